import { createHash } from 'node:crypto';
import { SLIDING_LOG_SCRIPT, WITHDRAW_HORIZON_MS } from './sliding-log.script';
import { WITHDRAW_SCRIPT, WITHDRAW_SHA } from './withdraw.script';

describe('withdraw script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(WITHDRAW_SHA).toBe('7c0b4c3dd469af6f266ccb397d3025c7f0eda120');
    expect(createHash('sha1').update(WITHDRAW_SCRIPT).digest('hex')).toBe(WITHDRAW_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = WITHDRAW_SCRIPT.split('\n')
      .filter((line) => line.startsWith('--'))
      .join('\n');
    for (const name of ['KEYS[i]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]', 'ARGV[4]', 'ARGV[3i+2]', 'ARGV[3i+3]', 'ARGV[3i+4]', 'Returns'])
      expect(header).toContain(name);
  });

  it('declines from the horizon on, where the sliding-log script starts counting provisional admissions as certain', () => {
    expect(WITHDRAW_SCRIPT).toContain(`if now - tonumber(ARGV[3]) >= ${WITHDRAW_HORIZON_MS * 1000} then return -1 end`);
    expect(SLIDING_LOG_SCRIPT).toContain(`string.format('%.0f', now - ${WITHDRAW_HORIZON_MS * 1000})`);
    expect(SLIDING_LOG_SCRIPT).toContain(`'ZRANGEBYSCORE', key, '(' .. horizonText`); // younger than the horizon: exclusive
    // a GCRA key's pending debt lives exactly as long: until the last provisional admission's time + the horizon
    expect(SLIDING_LOG_SCRIPT).toContain(`pendingUntil, pending = now + ${WITHDRAW_HORIZON_MS * 1000}, pending + check[4]`);
    expect(SLIDING_LOG_SCRIPT).toContain('if pendingUntil > now then sure = math.max(0, debt - pending) end');
  });

  it('touches only keys it was given in KEYS', () => {
    const calls = [...WITHDRAW_SCRIPT.matchAll(/redis\.call\('(\w+)', ([^,)]+)/g)].filter(([, cmd]) => cmd !== 'TIME');
    expect(calls.length).toBeGreaterThan(0);
    for (const [, , key] of calls) expect(['KEYS[i]', 'key']).toContain(key);
    for (const [, , key] of WITHDRAW_SCRIPT.matchAll(/(?<!function )\b(gcraRead|gcraWrite)\(([^,)]+)/g)) expect(key).toBe('KEYS[i]');
  });
});
