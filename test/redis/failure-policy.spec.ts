import { OnStoreError, RedisThrottleStorage, ThrottleRule, ThrottleStoreUnavailableError } from 'nest-scoped-throttle';
import { startRedis, waitFor } from '../../libs/testkit/src';
import { connectRedis } from '../../libs/throttle/src/redis/redis-connection';
import { ResilientThrottleStorage } from '../../libs/throttle/src/storage/resilient/resilient.storage';
import { describeRedis, filePrefix } from '../support/redis/harness';

// Redis dies, freezes and comes back under load; every request is answered within the store timeout
// by the onStoreError policy, and shared limits resume by themselves.
const keyPrefix = filePrefix('failure');
const TIMEOUT_MS = 100;
const MARGIN_MS = 200; // generous: a shared 2-core machine
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

type Outcome = { ms: number; allowed?: boolean; error?: unknown };

describeRedis('failure policy against a real Redis', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => (server = await startRedis()));
  afterAll(async () => server?.cleanup());

  let seq = 0;
  const rule = (limit = 3): ThrottleRule => ({ key: `r${++seq}:{id${seq}}`, limit, windowMs: 60_000 });
  /** One app process: its own owned connection and failure policy. */
  const processStore = async (policy: OnStoreError) => {
    const connection = connectRedis({ kind: 'url', url: server.url }, keyPrefix);
    const storage = new ResilientThrottleStorage(RedisThrottleStorage.fromConnection(connection), {
      policy,
      timeoutMs: TIMEOUT_MS,
      breaker: { cooldownMs: 200, maxCooldownMs: 1_000 },
      logger: silent,
    });
    await storage.onApplicationBootstrap();
    return storage;
  };
  const timed = async (storage: ResilientThrottleStorage, r: ThrottleRule): Promise<Outcome> => {
    const started = performance.now();
    try {
      const decision = await storage.consume({ rules: [r] });
      return { ms: performance.now() - started, allowed: decision.allowed };
    } catch (error) {
      return { ms: performance.now() - started, error };
    }
  };
  /** `workers` loops, each sending `perWorker` requests back to back; `during` runs once they are going. */
  const underLoad = async (storage: ResilientThrottleStorage, during: () => Promise<void>) => {
    const outcomes: Outcome[] = [];
    const worker = async () => {
      for (let i = 0; i < 40; i++) outcomes.push(await timed(storage, rule(1_000)));
    };
    const workers = Array.from({ length: 10 }, worker);
    await during();
    await Promise.all(workers);
    return outcomes;
  };
  const expectShared = async (a: ResilientThrottleStorage, b: ResilientThrottleStorage) => {
    const r = rule(3);
    expect((await a.consume({ rules: [r] })).allowed).toBe(true);
    expect((await b.consume({ rules: [r] })).allowed).toBe(true);
    expect((await a.consume({ rules: [r] })).allowed).toBe(true);
    expect((await b.consume({ rules: [r] })).allowed).toBe(false);
  };
  const untilOk = async (storage: ResilientThrottleStorage) => {
    await waitFor('the store to report ok', async () => {
      await storage.consume({ rules: [rule()] }).catch(() => undefined); // traffic lets the breaker probe
      return storage.health().state === 'ok';
    });
  };

  describe.each<OnStoreError>(['local', 'allow', 'deny'])('onStoreError: %s', (policy) => {
    it('answers every request within the timeout while Redis is killed, then resumes shared limits when it is back', async () => {
      const a = await processStore(policy);
      const b = await processStore(policy);
      try {
        await expectShared(a, b);
        const outcomes = await underLoad(a, () => server.kill());
        expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
        expect(a.circuit).toBe('open');
        expect(a.health()).toMatchObject({ store: 'redis', state: 'degraded', circuit: 'open', policy });

        const open = await Promise.all(Array.from({ length: 20 }, () => timed(a, rule(3))));
        expect(Math.max(...open.map((o) => o.ms))).toBeLessThan(TIMEOUT_MS / 2); // the open circuit does not wait
        await expectPolicy(a, policy);

        await server.start(); // same port
        await untilOk(a);
        await untilOk(b);
        await expectShared(a, b);
      } finally {
        await Promise.all([a.onApplicationShutdown(), b.onApplicationShutdown()]);
        if (server.pid === undefined) await server.start();
      }
    });
  });

  async function expectPolicy(storage: ResilientThrottleStorage, policy: OnStoreError) {
    const r = rule(3);
    const results = await Promise.all(Array.from({ length: 5 }, () => timed(storage, r)));
    if (policy === 'local') expect(results.map((o) => o.allowed)).toEqual([true, true, true, false, false]);
    if (policy === 'allow') expect(results.every((o) => o.allowed === true)).toBe(true);
    if (policy === 'deny') expect(results.every((o) => o.error instanceof ThrottleStoreUnavailableError)).toBe(true);
  }

  it('times out at the store timeout while Redis is frozen (SIGSTOP), then recovers when it thaws', async () => {
    const storage = await processStore('local');
    try {
      expect((await storage.consume({ rules: [rule()] })).allowed).toBe(true);
      const outcomes = await underLoad(storage, async () => server.signal('SIGSTOP'));
      const slowest = Math.max(...outcomes.map((o) => o.ms));
      expect(slowest).toBeGreaterThanOrEqual(TIMEOUT_MS - 5); // some requests did wait: the timeout path
      expect(slowest).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(storage.stats().timeouts).toBeGreaterThan(0);
      expect(storage.circuit).not.toBe('closed');
      server.signal('SIGCONT');
      await untilOk(storage);
    } finally {
      server.signal('SIGCONT');
      await storage.onApplicationShutdown();
    }
  });
});
