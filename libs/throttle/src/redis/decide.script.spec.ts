import { createHash } from 'node:crypto';
import { DECIDE_SCRIPT, DECIDE_SHA } from './decide.script';

describe('decide script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(DECIDE_SHA).toBe('30b3beda8a3494ae9eb9ce9e372ad5033bbb26e6');
    expect(createHash('sha1').update(DECIDE_SCRIPT).digest('hex')).toBe(DECIDE_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = DECIDE_SCRIPT.split('\n')
      .filter((line) => line.startsWith('--'))
      .join('\n');
    for (const name of [
      'KEYS[i]',
      'ARGV[1]',
      'ARGV[2]',
      'ARGV[3]',
      'ARGV[4]',
      'ARGV[5i]',
      'ARGV[5i+1]',
      'ARGV[5i+2]',
      'ARGV[5i+3]',
      'ARGV[5i+4]',
      'Returns',
    ]) {
      expect(header).toContain(name);
    }
  });

  it('formats big numbers with %.0f, never tostring() (1.7e+15 would merge members)', () => {
    expect(DECIDE_SCRIPT).not.toMatch(/tostring\(/);
    expect(DECIDE_SCRIPT).toContain("string.format('%.0f', now)");
  });
});
