import { Cluster } from 'ioredis';
import { RedisThrottleStorage, ThrottleRule } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { ResilientThrottleStorage } from '../../libs/throttle/src/storage/resilient/resilient.storage';
import { RedisCluster, startCluster } from './cluster-harness';
import { command, describeRedis, filePrefix, waitFor } from './harness';

// The cluster's cross-slot path: a route whose scopes have different identities (different slots) is
// decided slot group by slot group; an admission logged by an earlier group is withdrawn when a later
// group refuses. Deterministic: a fake store clock, and a client wrapper that holds or fails commands.
const keyPrefix = filePrefix('cross-slot');
const TIMEOUT_MS = 100;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

interface Hooks {
  /** Runs before each sliding-log script call, with its keys; may hold the call. */
  beforeScript?(keys: string[]): Promise<void>;
  /** Every other command naming this key rejects, as on a dropped connection. */
  failKey?: string;
}

/** The cluster client as a store sees it, with {@link Hooks}; everything else goes to the real client. */
function hooked(client: Cluster, hooks: Hooks): Cluster {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const real = (...args: unknown[]): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
      if (prop === 'throttleSlidingLog') {
        return async (numKeys: number, ...args: unknown[]) => {
          await hooks.beforeScript?.(args.slice(0, numKeys) as string[]);
          return real(numKeys, ...args);
        };
      }
      if (hooks.failKey === undefined || prop === 'defineCommand') return real;
      return (...args: unknown[]) =>
        args.includes(hooks.failKey) ? Promise.reject(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })) : real(...args);
    },
  });
}

/** A promise and the function that resolves it. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describeRedis('RedisThrottleStorage on Redis Cluster: scopes in several slots', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(3, 0);
    client = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })), { keyPrefix });
    await new Promise((resolve) => client.once('ready', resolve));
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  let seq = 0;
  /** A rule keyed by an identity of its own (its own hash tag, so its own slot). */
  const rule = (scope: string, limit: number): ThrottleRule => ({ key: `${scope}-${++seq}:{${scope}-${seq}}`, limit, windowMs: 60_000 });
  /** A rule whose slot is served by another master than `other`'s. */
  const onAnotherMaster = async (scope: string, limit: number, other: ThrottleRule): Promise<ThrottleRule> => {
    const otherMaster = await cluster.masterOf(keyPrefix + other.key);
    for (;;) {
      const candidate = rule(scope, limit);
      if ((await cluster.masterOf(keyPrefix + candidate.key)) !== otherMaster) return candidate;
    }
  };

  describe.each([
    ['a single-slot request', false],
    ['a cross-slot request', true],
  ])('regression: a refusal that counted a withdrawn cross-slot admission was deny-cached (false 429s for a window), observer %s', (_, crossSlot) => {
    it('refuses while the admission is logged, then admits once it is withdrawn', async () => {
      const clock = new FakeClock();
      const storeTime = clock.storeTime();
      const byIp = rule('ip', 1);
      const byKey = rule('api-key', 1);
      const byUser = rule('user', 5);
      const shared = new RedisThrottleStorage(client, { storeTime });
      expect((await shared.consume({ rules: [byKey] })).allowed).toBe(true); // byKey full: [byIp, byKey] will be refused there

      const atByKey = latch();
      const release = latch();
      const beforeScript = async (keys: string[]) => {
        if (!keys.includes(byKey.key)) return;
        atByKey.open();
        await release.promise;
      };
      const twoScopes = new RedisThrottleStorage(hooked(client, { beforeScript }), { storeTime }).consume({ rules: [byIp, byKey] });
      await atByKey.promise; // its admission is logged under byIp, and not withdrawn yet

      const observer = new ResilientThrottleStorage(new RedisThrottleStorage(client, { storeTime }), { clock, logger: silent });
      const request = { rules: crossSlot ? [byIp, byUser] : [byIp] };
      expect((await observer.consume(request)).allowed).toBe(false); // true at that instant: byIp held a logged admission

      release.open();
      expect((await twoScopes).allowed).toBe(false);
      await waitFor('the admission to be withdrawn from byIp', async () => (await client.zcard(byIp.key)) === 0);
      const decision = observer.decideSync(request) ?? (await observer.consume(request)); // as the guard asks
      expect(decision.allowed).toBe(true);
    });
  });

  it('regression: a request Redis refused was admitted by the failure policy when withdrawing its admission failed', async () => {
    const storeTime = new FakeClock().storeTime();
    const byIp = rule('ip', 5);
    const byKey = rule('api-key', 1);
    expect((await new RedisThrottleStorage(client, { storeTime }).consume({ rules: [byKey] })).allowed).toBe(true);
    const store = new RedisThrottleStorage(hooked(client, { failKey: byIp.key }), { storeTime });
    const resilient = new ResilientThrottleStorage(store, { policy: 'allow', timeoutMs: TIMEOUT_MS, logger: silent });

    const decision = await resilient.consume({ rules: [byIp, byKey] });
    expect(decision.allowed).toBe(false);
    expect(decision.states[1]).toMatchObject({ remaining: 0, retryAfterMs: 60_000 });
    expect(resilient.stats()).toMatchObject({ storeErrors: 0, policyDecisions: 0 });
    expect(await client.zcard(byIp.key)).toBe(1); // the admission stays logged: over-counts by one, never over-admits
  });

  it('regression: a request Redis refused was admitted by the failure policy when withdrawing its admission timed out', async () => {
    const storeTime = new FakeClock().storeTime();
    const byIp = rule('ip', 5);
    const byKey = await onAnotherMaster('api-key', 1, byIp);
    expect((await new RedisThrottleStorage(client, { storeTime }).consume({ rules: [byKey] })).allowed).toBe(true);
    const byIpMaster = await cluster.masterOf(keyPrefix + byIp.key);
    // byIp's admission is logged; then its master stops taking writes, so withdrawing it cannot answer in time
    const beforeScript = async (keys: string[]) => {
      if (keys.includes(byKey.key)) await command(byIpMaster.port, 'CLIENT', 'PAUSE', '10000', 'WRITE');
    };
    const store = new RedisThrottleStorage(hooked(client, { beforeScript }), { storeTime });
    const resilient = new ResilientThrottleStorage(store, { policy: 'allow', timeoutMs: TIMEOUT_MS, logger: silent });
    try {
      const decision = await resilient.consume({ rules: [byIp, byKey] });
      expect(decision.allowed).toBe(false);
      expect(resilient.stats()).toMatchObject({ storeErrors: 0, timeouts: 0, policyDecisions: 0 });
    } finally {
      await command(byIpMaster.port, 'CLIENT', 'UNPAUSE');
    }
    await waitFor('the withdrawal to land once the master takes writes again', async () => (await client.zcard(byIp.key)) === 0);
  });
});
