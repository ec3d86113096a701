import { createHash } from 'node:crypto';
import { LEASE_SCRIPT, LEASE_SHA } from './lease.script';

describe('lease script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(LEASE_SHA).toBe('5d633ff004d2eff3428856908ef8fa426111eb5a');
    expect(createHash('sha1').update(LEASE_SCRIPT).digest('hex')).toBe(LEASE_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = LEASE_SCRIPT.split('\n')
      .filter((line) => line.startsWith('--'))
      .join('\n');
    for (const name of ['KEYS[1]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]', 'ARGV[4]', 'ARGV[5]', 'Returns']) expect(header).toContain(name);
  });

  it('touches only the key it was given in KEYS', () => {
    const calls = [...LEASE_SCRIPT.matchAll(/redis\.call\('(\w+)', ([^,)]+)/g)].filter(([, cmd]) => cmd !== 'TIME');
    expect(calls.map(([, cmd]) => cmd)).toEqual(['ZREMRANGEBYSCORE', 'ZCARD', 'ZADD', 'PEXPIRE']);
    for (const [, , key] of calls) expect(key).toBe('KEYS[1]');
  });
});
