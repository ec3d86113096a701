import { createHash } from 'node:crypto';
import { DECIDE_SCRIPT, WITHDRAW_HORIZON_MS } from './decide.script';
import { WITHDRAW_SCRIPT, WITHDRAW_SHA } from './withdraw.script';

describe('withdraw script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(WITHDRAW_SHA).toBe('e6f3c3ae9bbae314be40ee37c77aca67f6a76547');
    expect(createHash('sha1').update(WITHDRAW_SCRIPT).digest('hex')).toBe(WITHDRAW_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = WITHDRAW_SCRIPT.split('\n')
      .filter((line) => line.startsWith('--'))
      .join('\n');
    for (const name of ['KEYS[i]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]', 'ARGV[4]', 'ARGV[3i+2]', 'ARGV[3i+3]', 'ARGV[3i+4]', 'Returns'])
      expect(header).toContain(name);
  });

  it('declines from the horizon on, where the decision script starts counting provisional admissions as certain', () => {
    expect(WITHDRAW_SCRIPT).toContain(`local horizonUs = ${WITHDRAW_HORIZON_MS * 1000}`);
    expect(WITHDRAW_SCRIPT).toContain('if now - atUs >= horizonUs then return -1 end');
    expect(DECIDE_SCRIPT).toContain(`local horizonUs = ${WITHDRAW_HORIZON_MS * 1000}`);
    expect(DECIDE_SCRIPT).toContain(`local horizonText = string.format('%.0f', now - horizonUs)`);
    expect(DECIDE_SCRIPT).toContain(`'ZRANGEBYSCORE', key, '(' .. horizonText`); // younger than the horizon: exclusive
    // a GCRA key's pending debt lives exactly as long: until the last provisional admission's time + the horizon
    expect(DECIDE_SCRIPT).toContain('cell.pendingUntil, cell.pending = now + horizonUs, cell.pending + c.units');
    expect(DECIDE_SCRIPT).toContain('if cell.pendingUntil > now then sure = math.max(0, debt - cell.pending) end');
  });
});
