import { createHash } from 'node:crypto';
import { BLOCK_SCRIPT, BLOCK_SHA } from './block.script';

describe('block script', () => {
  it('has the pinned SHA1: changing the Lua is deliberate (update this pin and re-run the Redis suites)', () => {
    expect(BLOCK_SHA).toBe('35829ce32f07a4db735de460e57073aa12331d11');
    expect(createHash('sha1').update(BLOCK_SCRIPT).digest('hex')).toBe(BLOCK_SHA);
  });

  it('documents KEYS and ARGV at its top', () => {
    const header = BLOCK_SCRIPT.split('\n')
      .filter((line) => line.startsWith('--'))
      .join('\n');
    for (const name of ['KEYS[i]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]', 'ARGV[3i+1]', 'ARGV[3i+2]', 'ARGV[3i+3]', 'Returns'])
      expect(header).toContain(name);
  });

  it('keeps an active block as it is, and touches only keys it was given in KEYS', () => {
    expect(BLOCK_SCRIPT).toContain('if active and tonumber(active) + windowUs > now then');
    const calls = [...BLOCK_SCRIPT.matchAll(/redis\.call\('(\w+)', ([^,)]+)/g)].filter(([, cmd]) => cmd !== 'TIME');
    expect(calls.length).toBeGreaterThan(0);
    for (const [, , key] of calls) expect(key).toBe('KEYS[i]');
  });
});
