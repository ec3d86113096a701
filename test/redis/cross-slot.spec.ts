import { Cluster } from 'ioredis';
import { RedisThrottleStorage, ThrottleRule } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { WITHDRAW_HORIZON_MS } from '../../libs/throttle/src/redis/decide.script';
import { ResilientThrottleStorage } from '../../libs/throttle/src/storage/resilient/resilient.storage';
import { command, RedisCluster, waitFor } from '../../libs/testkit/src';
import { describeRedis, filePrefix, useCluster } from '../support/redis/harness';
import { hooked, Hooks, holdingAt } from '../support/redis/hooked-client';

// The cluster's cross-slot path: a route whose scopes have different identities (different slots) is
// decided slot group by slot group; an admission logged by an earlier group is withdrawn when a later
// group refuses. Deterministic: a fake store clock, and a client wrapper that holds or fails commands.
const keyPrefix = filePrefix('cross-slot');
const TIMEOUT_MS = 100;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describeRedis('RedisThrottleStorage on Redis Cluster: scopes in several slots', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  useCluster(3, 0, keyPrefix, (started) => ({ cluster, client } = started));

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
  ])(
    'regression: a refusal that counted a withdrawn cross-slot admission was deny-cached (false 429s for a window), observer %s',
    (_, crossSlot) => {
      it('refuses while the admission is logged, then admits once it is withdrawn', async () => {
        const clock = new FakeClock();
        const storeTime = clock.storeTime();
        const byIp = rule('ip', 1);
        const byKey = rule('api-key', 1);
        const byUser = rule('user', 5);
        const shared = new RedisThrottleStorage(client, { storeTime });
        expect((await shared.consume({ rules: [byKey] })).allowed).toBe(true); // byKey full: [byIp, byKey] will be refused there

        const held = holdingAt(client, byKey.key, storeTime);
        const twoScopes = held.store.consume({ rules: [byIp, byKey] });
        await held.reached.promise; // its admission is logged under byIp, and not withdrawn yet

        const observer = new ResilientThrottleStorage(new RedisThrottleStorage(client, { storeTime }), { clock, logger: silent });
        const request = { rules: crossSlot ? [byIp, byUser] : [byIp] };
        expect((await observer.consume(request)).allowed).toBe(false); // true at that instant: byIp held a logged admission

        held.release.open();
        expect((await twoScopes).allowed).toBe(false);
        await waitFor('the admission to be withdrawn from byIp', async () => (await client.zcard(byIp.key)) === 0);
        const decision = observer.decideSync(request) ?? (await observer.consume(request)); // as the guard asks
        expect(decision.allowed).toBe(true);
      });
    },
  );

  it('deny-caches a key full of cross-slot admissions once they can no longer be withdrawn', async () => {
    const clock = new FakeClock();
    const storeTime = clock.storeTime();
    const byIp = rule('ip', 2);
    const byUser = rule('user', 5);
    const twoScopes = new RedisThrottleStorage(client, { storeTime });
    expect((await twoScopes.consume({ rules: [byIp, byUser] })).allowed).toBe(true);
    expect((await twoScopes.consume({ rules: [byIp, byUser] })).allowed).toBe(true);
    const observer = new ResilientThrottleStorage(new RedisThrottleStorage(client, { storeTime }), { clock, logger: silent });

    const early = await observer.consume({ rules: [byIp] });
    expect(early).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 60_000, retryAfterMs: 60_000, certainRetryAfterMs: 0 }] });
    expect(observer.decideSync({ rules: [byIp] })).toBeUndefined();

    clock.advance(WITHDRAW_HORIZON_MS); // both admissions are final now: the refusal is certain, as on one slot
    const late = await observer.consume({ rules: [byIp] });
    expect(late).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 59_000, retryAfterMs: 59_000 }] });
    expect(observer.decideSync({ rules: [byIp] })?.states[0].retryAfterMs).toBe(59_000);
  });

  it('counts only admissions that cannot be withdrawn, before and after the horizon (a key whose limit was lowered)', async () => {
    const clock = new FakeClock();
    const store = new RedisThrottleStorage(client, { storeTime: clock.storeTime() });
    const wide = rule('ip', 5);
    const narrow = { ...wide, limit: 1 };
    const byUser = rule('user', 5);
    await store.consume({ rules: [wide] }); // t0, certain
    clock.advance(10);
    await store.consume({ rules: [wide] }); // t0 + 10, certain
    clock.advance(10);
    await store.consume({ rules: [wide, byUser] }); // t0 + 20, provisional
    clock.advance(10);
    expect((await store.consume({ rules: [narrow] })).states[0]).toEqual({
      remaining: 0,
      resetMs: 59_970,
      retryAfterMs: 59_990,
      certainRetryAfterMs: 59_980, // frees with t0 + 20; surely with t0 + 10
    });
    clock.advance(2 * WITHDRAW_HORIZON_MS);
    await store.consume({ rules: [wide, byUser] }); // t0 + 2030, provisional; the others are older than the horizon: certain
    clock.advance(10);
    expect((await store.consume({ rules: [narrow] })).states[0]).toMatchObject({ retryAfterMs: 59_990, certainRetryAfterMs: 57_980 });
  });

  it('leaves an admission older than the withdrawal horizon in place: a refusal that counted it as certain stays exact', async () => {
    const clock = new FakeClock();
    const storeTime = clock.storeTime();
    const byIp = rule('ip', 1);
    const byKey = rule('api-key', 1);
    const shared = new RedisThrottleStorage(client, { storeTime });
    expect((await shared.consume({ rules: [byKey] })).allowed).toBe(true);
    const held = holdingAt(client, byKey.key, storeTime);
    const twoScopes = held.store.consume({ rules: [byIp, byKey] });
    await held.reached.promise;

    clock.advance(WITHDRAW_HORIZON_MS);
    const observer = new ResilientThrottleStorage(new RedisThrottleStorage(client, { storeTime }), { clock, logger: silent });
    expect((await observer.consume({ rules: [byIp] })).states[0]).toEqual({ remaining: 0, resetMs: 59_000, retryAfterMs: 59_000 });
    held.release.open();
    expect((await twoScopes).allowed).toBe(false);
    await waitFor('the withdrawal to be declined', () => held.store.withdrawFailures === 1);
    expect(await client.zcard(byIp.key)).toBe(1); // too late to withdraw: stays, over-counts by one
    expect(observer.decideSync({ rules: [byIp] })?.allowed).toBe(false);
    expect((await shared.consume({ rules: [byIp] })).allowed).toBe(false); // the deny cache agrees with Redis
  });

  it('regression: a request Redis refused was admitted by the failure policy when withdrawing its admission failed', async () => {
    const storeTime = new FakeClock().storeTime();
    const byIp = rule('ip', 5);
    const byKey = rule('api-key', 1);
    expect((await new RedisThrottleStorage(client, { storeTime }).consume({ rules: [byKey] })).allowed).toBe(true);
    const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const hooks: Hooks = { failKey: byIp.key };
    const store = new RedisThrottleStorage(hooked(client, hooks), { storeTime, logger });
    const resilient = new ResilientThrottleStorage(store, { policy: 'allow', timeoutMs: TIMEOUT_MS, logger: silent });

    const decision = await resilient.consume({ rules: [byIp, byKey] });
    expect(decision.allowed).toBe(false);
    expect(decision.states[1]).toMatchObject({ remaining: 0, retryAfterMs: 60_000 });
    expect(resilient.stats()).toMatchObject({ storeErrors: 0, policyDecisions: 0 });
    await waitFor('the failed withdrawal to be counted', () => store.withdrawFailures === 1);
    expect(await client.zcard(byIp.key)).toBe(1); // the admission stays logged: over-counts by one, never over-admits

    expect((await resilient.consume({ rules: [byIp, byKey] })).allowed).toBe(false);
    await waitFor('the second failed withdrawal to be counted', () => store.withdrawFailures === 2);
    expect(logger.warn).toHaveBeenCalledTimes(1); // once per run of failures, with the reason and what it costs
    expect(logger.warn.mock.calls[0][0]).toMatch(/ECONNRESET.*stays refused.*one admission too many/);

    hooks.failKey = undefined; // the connection is back
    expect((await resilient.consume({ rules: [byIp, byKey] })).allowed).toBe(false);
    await waitFor('the recovery to be logged', () => logger.log.mock.calls.length === 1);
    expect(logger.log).toHaveBeenCalledWith('Cross-slot withdrawals succeed again');
    expect([store.withdrawFailures, await client.zcard(byIp.key)]).toEqual([2, 2]); // the two lost ones stay until they expire
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
