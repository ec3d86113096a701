import { createHash } from 'node:crypto';
import { SLIDING_LOG_SCRIPT, SLIDING_LOG_SHA } from './sliding-log.script';

describe('sliding-log script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(SLIDING_LOG_SHA).toBe('590058a3d0033026b566bdd090ba1ef1197445c8');
    expect(createHash('sha1').update(SLIDING_LOG_SCRIPT).digest('hex')).toBe(SLIDING_LOG_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = SLIDING_LOG_SCRIPT.split('\n')
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
    expect(SLIDING_LOG_SCRIPT).not.toMatch(/tostring\(/);
    expect(SLIDING_LOG_SCRIPT).toContain("string.format('%.0f', now)");
  });

  it('touches only keys it was given in KEYS (directly, or through the shared fragments, which take the key)', () => {
    const calls = [...SLIDING_LOG_SCRIPT.matchAll(/redis\.call\('(\w+)', ([^,)]+)/g)].filter(([, cmd]) => cmd !== 'TIME');
    expect(calls.length).toBeGreaterThan(0);
    for (const [, , key] of calls) expect(['KEYS[i]', 'key']).toContain(key);
    const helperCalls = [...SLIDING_LOG_SCRIPT.matchAll(/(?<!function )\b(gcraRead|gcraWrite|logUnits|freeingAges)\(([^,)]+)/g)];
    expect(helperCalls.length).toBeGreaterThanOrEqual(4);
    for (const [, , key] of helperCalls) expect(key).toBe('KEYS[i]');
  });
});
