import { createHash } from 'node:crypto';
import { DECIDE_BATCH_SCRIPT, DECIDE_BATCH_SHA } from './batch.script';

describe('batched script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(DECIDE_BATCH_SHA).toBe('88b52cd921781e5410859becd6593d506bcbb2a4');
    expect(createHash('sha1').update(DECIDE_BATCH_SCRIPT).digest('hex')).toBe(DECIDE_BATCH_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = DECIDE_BATCH_SCRIPT.split('\n')
      .filter((line) => line.startsWith('--'))
      .join('\n');
    for (const name of [
      'KEYS',
      'ARGV[1]',
      'ARGV[2]',
      'ARGV[3]',
      'ARGV[a]',
      'ARGV[a+1]',
      'ARGV[a+5j-3]',
      'ARGV[a+5j-2]',
      'ARGV[a+5j-1]',
      'ARGV[a+5j]',
      'ARGV[a+5j+1]',
      'Returns',
    ]) {
      expect(header).toContain(name);
    }
  });

  it('reads Redis TIME once, before the loop over requests', () => {
    expect(DECIDE_BATCH_SCRIPT.match(/redis\.call\('TIME'\)/g)).toHaveLength(1);
    expect(DECIDE_BATCH_SCRIPT.indexOf("redis.call('TIME')")).toBeLessThan(DECIDE_BATCH_SCRIPT.indexOf('while a <= #ARGV'));
  });

  it('formats big numbers with %.0f, never tostring() (1.7e+15 would merge members)', () => {
    expect(DECIDE_BATCH_SCRIPT).not.toMatch(/tostring\(/);
    expect(DECIDE_BATCH_SCRIPT).toContain("string.format('%.0f', now)");
  });
});
