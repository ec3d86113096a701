import { createHash } from 'node:crypto';
import { SLIDING_LOG_BATCH_SCRIPT, SLIDING_LOG_BATCH_SHA } from './batch.script';

describe('batched script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(SLIDING_LOG_BATCH_SHA).toBe('381daf5a89c1beda8db5a347734279b51ae9d9f0');
    expect(createHash('sha1').update(SLIDING_LOG_BATCH_SCRIPT).digest('hex')).toBe(SLIDING_LOG_BATCH_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = SLIDING_LOG_BATCH_SCRIPT.split('\n')
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
    expect(SLIDING_LOG_BATCH_SCRIPT.match(/redis\.call\('TIME'\)/g)).toHaveLength(1);
    expect(SLIDING_LOG_BATCH_SCRIPT.indexOf("redis.call('TIME')")).toBeLessThan(SLIDING_LOG_BATCH_SCRIPT.indexOf('while a <= #ARGV'));
  });

  it('formats big numbers with %.0f, never tostring() (1.7e+15 would merge members)', () => {
    expect(SLIDING_LOG_BATCH_SCRIPT).not.toMatch(/tostring\(/);
    expect(SLIDING_LOG_BATCH_SCRIPT).toContain("string.format('%.0f', now)");
  });

  it('touches only keys it was given in KEYS', () => {
    const calls = [...SLIDING_LOG_BATCH_SCRIPT.matchAll(/redis\.call\('(\w+)', ([^,)]+)/g)].filter(([, cmd]) => cmd !== 'TIME');
    expect(calls.length).toBeGreaterThan(0);
    for (const [, , key] of calls) expect(key).toBe('key');
    const helperCalls = [...SLIDING_LOG_BATCH_SCRIPT.matchAll(/(?<!function )\b(gcraRead|gcraWrite|logUnits|freeingAges)\(([^,)]+)/g)];
    expect(helperCalls.length).toBeGreaterThanOrEqual(4);
    for (const [, , key] of helperCalls) expect(key).toBe('key');
    expect(SLIDING_LOG_BATCH_SCRIPT.match(/local key = (.+)/g)).toEqual([
      'local key = KEYS[k + j]',
      'local key = KEYS[k + j]',
      'local key = touched[i]',
    ]);
    expect(SLIDING_LOG_BATCH_SCRIPT).toContain('touched[#touched + 1] = key');
  });
});
