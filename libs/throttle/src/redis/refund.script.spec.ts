import { createHash } from 'node:crypto';
import { REFUND_SCRIPT, REFUND_SHA } from './refund.script';

describe('refund script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(REFUND_SHA).toBe('bfe8fa9c7ee3d56556dfef6e289f2e34ab5317df');
    expect(createHash('sha1').update(REFUND_SCRIPT).digest('hex')).toBe(REFUND_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = REFUND_SCRIPT.split('\n')
      .filter((line) => line.startsWith('--'))
      .join('\n');
    for (const name of ['KEYS[i]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3i]', 'ARGV[3i+1]', 'ARGV[3i+2]', 'Returns']) expect(header).toContain(name);
  });

  it("never moves a GCRA key below now, and takes sliding-log members only inside the window, never a block's", () => {
    expect(REFUND_SCRIPT).toContain('local back = math.min(units, tat - now)');
    expect(REFUND_SCRIPT).toContain(`'ZREVRANGEBYSCORE', key, '+inf', '(' .. cutoff, 'LIMIT', offset, chunk`);
    expect(REFUND_SCRIPT).toContain(`string.sub(member, 1, 2) ~= 'b:'`);
  });
});
