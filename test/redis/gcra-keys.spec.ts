import { Redis } from 'ioredis';
import { RedisThrottleStorage, ThrottleRule } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { describeRedis, filePrefix, useRedis } from '../support/redis/harness';

// What the Redis store writes for GCRA rules and for costs: a GCRA key is a plain integer string (tat in
// µs) living ceil((tat - now) / 1 ms) (+ the test clock's slack) in both script paths; a request of cost
// c logs c distinct members in a sliding log.
const keyPrefix = filePrefix('gcra-keys');

describeRedis('Redis store keys for GCRA and costs', () => {
  let client: Redis;
  useRedis(keyPrefix, (started) => (client = started));

  let seq = 0;
  const gcra = (extra: Partial<ThrottleRule> = {}): ThrottleRule => ({
    key: `g-${++seq}:{${seq}}`,
    limit: 3,
    windowMs: 100_000, // T = ceil(1e8 / 3) = 33 333 334 µs
    algorithm: 'gcra',
    ...extra,
  });
  /** A fake store clock whose keys get no TTL slack, so the TTL the script sets can be read back. */
  const noSlack = (clock: FakeClock) => ({ now: () => clock.now(), ttlSlackMs: 0 });

  describe.each([
    ['one call per request', false],
    ['batched', true],
  ])('%s', (_, batching) => {
    it('stores tat as an integer of microseconds that lives until tat: ceil((tat - now) / 1 ms)', async () => {
      const clock = new FakeClock();
      const store = new RedisThrottleStorage(client, { storeTime: noSlack(clock), batching });
      const rule = gcra();
      const decisions = await Promise.all([store.consume({ rules: [rule] }), store.consume({ rules: [rule] })]);
      expect(decisions.map((d) => d.allowed)).toEqual([true, true]);
      const now = clock.now() * 1000;
      expect(await client.get(rule.key)).toBe(String(now + 2 * 33_333_334));
      expect(await client.call('OBJECT', 'ENCODING', keyPrefix + rule.key)).toBe('int'); // 8 bytes, no string buffer
      const ttl = await client.pttl(rule.key);
      expect(ttl).toBeLessThanOrEqual(66_667); // ceil(66 666.668)
      expect(ttl).toBeGreaterThan(65_667); // minus the real time since the write (well under a second)
    });

    it('logs a request of cost c as c distinct members, kept for the window', async () => {
      const clock = new FakeClock();
      const store = new RedisThrottleStorage(client, { storeTime: noSlack(clock), batching });
      const rule = { key: `s-${++seq}:{${seq}}`, limit: 10, windowMs: 5_000, cost: 4 };
      expect((await store.consume({ rules: [rule] })).states[0].remaining).toBe(6);
      const members = await client.zrange(rule.key, 0, -1, 'WITHSCORES');
      expect(new Set(members.filter((_, i) => i % 2 === 0)).size).toBe(4);
      expect(new Set(members.filter((_, i) => i % 2 === 1))).toEqual(new Set([String(clock.now() * 1000)]));
      expect(await client.pttl(rule.key)).toBeGreaterThan(4_900);
    });
  });

  it('on Redis TIME (production), an idle GCRA key lives no longer than its debt', async () => {
    const store = new RedisThrottleStorage(client);
    const rule = gcra({ limit: 10, windowMs: 60_000, burst: 5, cost: 2 }); // T = 6 s: 12 s of debt
    const decision = await store.consume({ rules: [rule] });
    expect(decision).toEqual({ allowed: true, states: [{ remaining: 3, resetMs: 6_000, retryAfterMs: 0 }] });
    const ttl = await client.pttl(rule.key);
    expect(ttl).toBeLessThanOrEqual(12_000);
    expect(ttl).toBeGreaterThan(11_000);
  });
});
