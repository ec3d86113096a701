import { Redis } from 'ioredis';
import { RedisThrottleStorage, ThrottleClock, ThrottleRule } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { startRedis } from '../../libs/testkit/src';
import type { StoreTime } from '../../libs/throttle/src/clock';
import { DECIDE_BATCH_SHA } from '../../libs/throttle/src/redis/batch.script';
import { describeRedis, filePrefix } from '../support/redis/harness';

const keyPrefix = filePrefix('storage');

/** A clock the test sets to exact (fractional-millisecond) Unix times. */
class SetClock extends ThrottleClock {
  constructor(public value: number) {
    super();
  }
  now(): number {
    return this.value;
  }
  override storeTime(): StoreTime {
    return { now: () => this.value, ttlSlackMs: FakeClock.TTL_SLACK_MS };
  }
}

describeRedis('RedisThrottleStorage on a single node', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let client: Redis;
  let raw: Redis; // no key prefix: reads what the store wrote
  const clients: Redis[] = [];
  const connect = async (prefix = keyPrefix) => {
    const c = new Redis({ port: server.port, keyPrefix: prefix, lazyConnect: true, enableOfflineQueue: false });
    await c.connect();
    clients.push(c);
    return c;
  };
  let seq = 0;
  const fresh = (label: string) => `${label}-${++seq}:{${label}}`;

  beforeAll(async () => {
    server = await startRedis();
    client = await connect();
    raw = await connect('');
  });
  afterAll(async () => {
    clients.forEach((c) => c.disconnect());
    await server?.cleanup();
  });

  it('admits exactly limit of 1000 concurrent requests sent through 8 connections (Redis TIME)', async () => {
    const stores = await Promise.all(Array.from({ length: 8 }, async () => new RedisThrottleStorage(await connect())));
    const rule: ThrottleRule = { key: fresh('flood'), limit: 37, windowMs: 60_000 };
    const decisions = await Promise.all(Array.from({ length: 1000 }, (_, i) => stores[i % stores.length].consume({ rules: [rule] })));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(37);
    expect(await raw.zcard(keyPrefix + rule.key)).toBe(37);
    const remaining = decisions
      .filter((d) => d.allowed)
      .map((d) => d.states[0].remaining)
      .sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 37 }, (_, i) => i));
  });

  it('logs two admissions in the same microsecond as two entries', async () => {
    const clock = new FakeClock();
    const storage = new RedisThrottleStorage(client, { storeTime: clock.storeTime() });
    const rule = { key: fresh('same-us'), limit: 5, windowMs: 1_000 };
    await storage.consume({ rules: [rule] });
    await storage.consume({ rules: [rule] });
    expect(await raw.zcard(keyPrefix + rule.key)).toBe(2);
    const other = new RedisThrottleStorage(client, { storeTime: clock.storeTime() }); // another process, same instant
    await other.consume({ rules: [rule] });
    expect(await raw.zcard(keyPrefix + rule.key)).toBe(3);
  });

  it('writes realistic epoch microseconds exactly: distinct, integral, never in exponent form', async () => {
    const clock = new SetClock(1_700_000_000_123.456);
    const storage = new RedisThrottleStorage(client, { storeTime: clock.storeTime() });
    const rule = { key: fresh('bignum'), limit: 10, windowMs: 60_000 };
    const readBack = async (key: string) => {
      const flat = await raw.zrange(keyPrefix + key, 0, -1, 'WITHSCORES');
      return { members: flat.filter((_, i) => i % 2 === 0), scores: flat.filter((_, i) => i % 2 === 1) };
    };
    for (const t of [1_700_000_000_123.456, 1_700_000_000_123.457, 1_700_000_000_124.001]) {
      clock.value = t;
      expect((await storage.consume({ rules: [rule] })).allowed).toBe(true);
    }
    const { members, scores } = await readBack(rule.key);
    expect(scores).toEqual(['1700000000123456', '1700000000123457', '1700000000124001']);
    expect(members.map((m) => m.split(':')[0])).toEqual(scores);
    expect(new Set(members).size).toBe(3);
    const year2100 = { key: fresh('bignum2100'), limit: 10, windowMs: 60_000 };
    clock.value = 4_102_444_800_000.001;
    await storage.consume({ rules: [year2100] });
    clock.value = 4_102_444_800_000.002;
    await storage.consume({ rules: [year2100] });
    expect((await readBack(year2100.key)).scores).toEqual(['4102444800000001', '4102444800000002']);
  });

  it('writes Redis TIME microseconds exactly in real mode', async () => {
    const storage = new RedisThrottleStorage(client);
    const rule = { key: fresh('time'), limit: 50, windowMs: 60_000 };
    await Promise.all(Array.from({ length: 50 }, () => storage.consume({ rules: [rule] })));
    const flat = await raw.zrange(keyPrefix + rule.key, 0, -1, 'WITHSCORES');
    const scores = flat.filter((_, i) => i % 2 === 1);
    expect(new Set(flat.filter((_, i) => i % 2 === 0)).size).toBe(50);
    for (const score of scores) expect(score).toMatch(/^1\d{15}$/);
  });

  it('recovers from NOSCRIPT after SCRIPT FLUSH (EVALSHA, then EVAL)', async () => {
    const storage = new RedisThrottleStorage(client);
    const rule = { key: fresh('noscript'), limit: 3, windowMs: 60_000 };
    await storage.consume({ rules: [rule] });
    await storage.consume({ rules: [rule] }); // by SHA now
    await raw.script('FLUSH');
    expect(await raw.script('EXISTS', DECIDE_BATCH_SHA)).toEqual([0]);
    const after = await storage.consume({ rules: [rule] });
    expect(after).toMatchObject({ allowed: true, states: [{ remaining: 0 }] });
    expect(await raw.script('EXISTS', DECIDE_BATCH_SHA)).toEqual([1]);
    expect((await storage.consume({ rules: [rule] })).allowed).toBe(false);
  });

  it('recovers from NOSCRIPT inside a pipelined batch of concurrent requests', async () => {
    const storage = new RedisThrottleStorage(client);
    const rule = { key: fresh('noscript-batch'), limit: 5, windowMs: 60_000 };
    await storage.consume({ rules: [rule] }); // loaded, then flushed under the store's feet
    await raw.script('FLUSH');
    const decisions = await Promise.all(Array.from({ length: 20 }, () => storage.consume({ rules: [rule] })));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(4);
    expect(await raw.zcard(`${client.options.keyPrefix ?? ''}${rule.key}`)).toBe(5);
  });

  it('never admits more than limit in any trailing window across a fixed-window boundary (burst attack)', async () => {
    const clock = new FakeClock(1_700_000_040_000); // a whole minute: a fixed-window boundary
    const storage = new RedisThrottleStorage(client, { storeTime: clock.storeTime() });
    const rule = { key: fresh('boundary'), limit: 10, windowMs: 60_000 };
    const boundary = clock.now() + 60_000;
    const admitted: number[] = [];
    const burstAt = async (t: number) => {
      clock.advance(t - clock.now());
      const results = await Promise.all(Array.from({ length: 50 }, () => storage.consume({ rules: [rule] })));
      results.filter((d) => d.allowed).forEach(() => admitted.push(t));
    };
    for (const t of [boundary - 1, boundary, boundary + 1, boundary + 30_000, boundary + 59_998, boundary + 59_999, boundary + 60_000]) {
      await burstAt(t);
    }
    for (const t of admitted) {
      expect(admitted.filter((u) => u > t - rule.windowMs && u <= t).length).toBeLessThanOrEqual(rule.limit);
    }
    // A fixed window would admit 10 at boundary-1 and 10 more at boundary; the log admits the next 10 a window later.
    expect(admitted).toEqual([...Array(10).fill(boundary - 1), ...Array(10).fill(boundary + 59_999)]);
  });

  it('expires each key after its window (0 < PTTL <= windowMs)', async () => {
    const storage = new RedisThrottleStorage(client);
    for (const windowMs of [1_000, 60_000, 86_400_000]) {
      const rule = { key: fresh(`ttl${windowMs}`), limit: 2, windowMs };
      await storage.consume({ rules: [rule] });
      const pttl = await raw.pttl(keyPrefix + rule.key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(windowMs);
    }
  });

  it('puts keys under the client keyPrefix, and under none for a client without one', async () => {
    const rule = { key: fresh('prefix'), limit: 1, windowMs: 60_000 };
    await new RedisThrottleStorage(client).consume({ rules: [rule] });
    expect(await raw.exists(keyPrefix + rule.key)).toBe(1);
    await new RedisThrottleStorage(raw).consume({ rules: [rule] });
    expect(await raw.exists(rule.key)).toBe(1);
    await raw.del(rule.key);
  });

  it('refuses atomically across rules with different hash tags on a single node (one script)', async () => {
    const clock = new FakeClock();
    const storage = new RedisThrottleStorage(client, { storeTime: clock.storeTime() });
    const a = { key: fresh('ipA'), limit: 5, windowMs: 60_000 };
    const b = { key: fresh('userB'), limit: 1, windowMs: 60_000 };
    expect((await storage.consume({ rules: [a, b] })).allowed).toBe(true);
    expect((await storage.consume({ rules: [a, b] })).allowed).toBe(false);
    expect(await raw.zcard(keyPrefix + a.key)).toBe(1);
  });
});
