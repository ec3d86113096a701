import { Redis } from 'ioredis';
import { FakeClock } from '../testing/fake-clock';
import { ThrottleStoreUnavailableError } from '../storage/throttle-storage';
import { MemoryLeaseStore } from '../concurrency/memory-leases';
import { RedisLeaseStore } from './redis-leases';

// The failure policy of Redis leases, on a client that cannot connect (no server: every call fails at once).
describe('RedisLeaseStore when Redis cannot answer', () => {
  const rule = { key: 'export:{u}:lease', limit: 4, leaseMs: 30_000, scope: 'export' };
  let client: Redis;
  beforeEach(() => {
    client = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  });
  afterEach(() => client.disconnect());
  const store = (policy: 'local' | 'allow' | 'deny', degraded = false) =>
    new RedisLeaseStore(client, {
      fallback: new MemoryLeaseStore(new FakeClock()),
      policy,
      instances: 2,
      timeoutMs: 100,
      degraded: () => degraded,
    });

  it('local: holds this process to its share of the limit (ceil(limit / instances)), released locally', async () => {
    const leases = store('local');
    const answers = [await leases.acquire(rule, 'a'), await leases.acquire(rule, 'b'), await leases.acquire(rule, 'c')];
    expect(answers.map((a) => [a.allowed, a.limit])).toEqual([
      [true, 2],
      [true, 2],
      [false, 2],
    ]);
    answers[0].release();
    expect((await leases.acquire(rule, 'd')).allowed).toBe(true);
  });

  it('local while the rate store is degraded: decides without calling Redis', () => {
    const answer = store('local', true).acquire(rule, 'a');
    expect(answer).toMatchObject({ allowed: true, limit: 2 }); // synchronous: no Redis round trip
  });

  it('allow admits without a lease; deny refuses with the store-unavailable error (the 503)', async () => {
    expect(await store('allow').acquire(rule, 'a')).toMatchObject({ allowed: true });
    await expect(Promise.resolve().then(() => store('deny').acquire(rule, 'a'))).rejects.toBeInstanceOf(ThrottleStoreUnavailableError);
  });
});
