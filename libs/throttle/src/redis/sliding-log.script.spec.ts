import { createHash } from 'node:crypto';
import { SLIDING_LOG_SCRIPT, SLIDING_LOG_SHA } from './sliding-log.script';

describe('sliding-log script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(SLIDING_LOG_SHA).toBe('827c3cf805305c1c338e4f3e3551cfb9df2d197b');
    expect(createHash('sha1').update(SLIDING_LOG_SCRIPT).digest('hex')).toBe(SLIDING_LOG_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = SLIDING_LOG_SCRIPT.split('\n')
      .filter((line) => line.startsWith('--'))
      .join('\n');
    for (const name of ['KEYS[i]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]', 'ARGV[4]', 'ARGV[3+2i]', 'ARGV[4+2i]', 'Returns']) {
      expect(header).toContain(name);
    }
  });

  it('formats big numbers with %.0f, never tostring() (1.7e+15 would merge members)', () => {
    expect(SLIDING_LOG_SCRIPT).not.toMatch(/tostring\(/);
    expect(SLIDING_LOG_SCRIPT).toContain("string.format('%.0f', now)");
  });

  it('touches only keys it was given in KEYS', () => {
    const calls = [...SLIDING_LOG_SCRIPT.matchAll(/redis\.call\('(\w+)', ([^,)]+)/g)].filter(([, cmd]) => cmd !== 'TIME');
    expect(calls.length).toBeGreaterThan(0);
    for (const [, , key] of calls) expect(key).toBe('KEYS[i]');
  });
});
