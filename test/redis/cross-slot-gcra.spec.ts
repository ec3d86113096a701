import { Cluster } from 'ioredis';
import { RedisThrottleStorage, ThrottleRequest, ThrottleRule } from 'nest-scoped-throttle';
import { FakeClock, ReferenceModel } from 'nest-scoped-throttle/testing';
import { WITHDRAW_HORIZON_MS } from '../../libs/throttle/src/redis/lua-fragments';
import { ResilientThrottleStorage } from '../../libs/throttle/src/storage/resilient/resilient.storage';
import { waitFor } from '../../libs/testkit/src';
import { describeRedis, filePrefix, useCluster } from '../support/redis/harness';
import { holdingAt } from '../support/redis/hooked-client';

// The cluster's cross-slot path with GCRA keys: a provisional GCRA admission is withdrawn by what is
// left of its cost * T (withdraw.script.ts), and a refusal it caused is certain only as far as the debt
// that cannot be withdrawn any more (the key's pending debt, lua-fragments.ts). Deterministic: a fake
// store clock, and a client wrapper that holds a slot group's script call.
const keyPrefix = filePrefix('cross-slot-gcra');
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describeRedis('RedisThrottleStorage on Redis Cluster: GCRA keys in cross-slot requests', () => {
  let client: Cluster;
  useCluster(3, 0, keyPrefix, (started) => ({ client } = started));

  let seq = 0;
  /** A rule keyed by an identity of its own (its own hash tag, so its own slot). */
  const ruleOf = (scope: string, rate: Omit<ThrottleRule, 'key'>): ThrottleRule => ({
    key: `${scope}-${++seq}:{${scope}-${seq}}`,
    ...rate,
  });
  const oncePerMinute = { limit: 1, windowMs: 60_000, algorithm: 'gcra' as const };
  const tenPerSecond = { limit: 10, windowMs: 1_000, algorithm: 'gcra' as const, burst: 3 }; // T = 100 ms

  const tatOf = async (rule: ThrottleRule) => client.get(rule.key);

  it('withdraws a refused request’s GCRA admission exactly: the key and its states are the reference model’s', async () => {
    const clock = new FakeClock();
    const store = new RedisThrottleStorage(client, { storeTime: clock.storeTime() });
    const model = new ReferenceModel();
    const byIp = ruleOf('ip', { ...tenPerSecond, cost: 2 });
    const byKey = ruleOf('api-key', { limit: 1, windowMs: 60_000 });
    const step = async (request: ThrottleRequest) => {
      const decision = await store.consume(request);
      expect({ allowed: decision.allowed, states: decision.states }).toEqual(model.consume(request, clock.now()));
      return decision;
    };
    await step({ rules: [byKey] }); // byKey full: [byIp, byKey] is refused there, after byIp admitted provisionally
    await step({ rules: [byIp] });
    const tatBefore = await tatOf(byIp);
    expect(tatBefore).toBe(String((clock.now() + 200) * 1000)); // a plain integer: tat in µs
    clock.advance(10);
    expect((await step({ rules: [byIp, byKey] })).allowed).toBe(false);
    await waitFor('the admission to be withdrawn', async () => (await tatOf(byIp)) === tatBefore);
    await step({ rules: [byIp] }); // decided as if the refused request had never been
    await step({ rules: [byIp] });
  });

  it('regression guard: a refusal that counted a withdrawable GCRA admission is not deny-cached, and admits once it is withdrawn', async () => {
    const clock = new FakeClock();
    const storeTime = clock.storeTime();
    const byIp = ruleOf('ip', oncePerMinute);
    const byKey = ruleOf('api-key', { limit: 1, windowMs: 60_000 });
    expect((await new RedisThrottleStorage(client, { storeTime }).consume({ rules: [byKey] })).allowed).toBe(true);

    const held = holdingAt(client, byKey.key, storeTime);
    const twoScopes = held.store.consume({ rules: [byIp, byKey] });
    await held.reached.promise; // byIp holds its provisional admission: tat = now + 60 s, all of it pending
    expect(await tatOf(byIp)).toMatch(/^\d+:\d+:60000000$/);

    const observer = new ResilientThrottleStorage(new RedisThrottleStorage(client, { storeTime }), { clock, logger: silent });
    const refused = await observer.consume({ rules: [byIp] });
    expect(refused).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 60_000, retryAfterMs: 60_000, certainRetryAfterMs: 0 }] });
    expect(observer.decideSync({ rules: [byIp] })).toBeUndefined(); // not deny-cached

    held.release.open();
    expect((await twoScopes).allowed).toBe(false);
    await waitFor('the admission to be withdrawn', async () => (await tatOf(byIp)) === null); // nothing left ahead of now
    expect((await observer.consume({ rules: [byIp] })).allowed).toBe(true);
  });

  it('counts a provisional GCRA admission as certain from the horizon on: refusals are deny-cached, the late withdrawal declines', async () => {
    const clock = new FakeClock();
    const storeTime = clock.storeTime();
    const byIp = ruleOf('ip', oncePerMinute);
    const byUser = ruleOf('user', { limit: 5, windowMs: 60_000 });
    const byKey = ruleOf('api-key', { limit: 1, windowMs: 60_000 });
    const twoScopes = new RedisThrottleStorage(client, { storeTime });
    expect((await twoScopes.consume({ rules: [byIp, byUser] })).allowed).toBe(true); // byIp provisional, then final
    const observer = new ResilientThrottleStorage(new RedisThrottleStorage(client, { storeTime }), { clock, logger: silent });
    expect((await observer.consume({ rules: [byIp] })).states[0]).toMatchObject({ retryAfterMs: 60_000, certainRetryAfterMs: 0 });

    clock.advance(WITHDRAW_HORIZON_MS);
    expect((await observer.consume({ rules: [byIp] })).states[0]).toEqual({ remaining: 0, resetMs: 59_000, retryAfterMs: 59_000 });
    expect(observer.decideSync({ rules: [byIp] })?.states[0].retryAfterMs).toBe(59_000);

    // A withdrawal from then on declines (as for a sliding log): the key keeps the admission it counted as certain.
    expect((await twoScopes.consume({ rules: [byKey] })).allowed).toBe(true);
    const late = holdingAt(client, byKey.key, storeTime);
    const refusedLate = late.store.consume({ rules: [ruleOf('ip', tenPerSecond), byKey] });
    await late.reached.promise;
    clock.advance(WITHDRAW_HORIZON_MS);
    late.release.open();
    expect((await refusedLate).allowed).toBe(false);
    await waitFor('the withdrawal to be declined', () => late.store.withdrawFailures === 1);
  });

  it('never withdraws below the truth: after another admission on a key that was idle, it takes back only what is left of the debt', async () => {
    const clock = new FakeClock();
    const storeTime = clock.storeTime();
    const t0 = clock.now();
    const byIp = ruleOf('ip', tenPerSecond);
    const byKey = ruleOf('api-key', { limit: 1, windowMs: 60_000 });
    expect((await new RedisThrottleStorage(client, { storeTime }).consume({ rules: [byKey] })).allowed).toBe(true);
    const held = holdingAt(client, byKey.key, storeTime);
    const twoScopes = held.store.consume({ rules: [byIp, byKey] });
    await held.reached.promise; // byIp was idle: tat = t0 + 100 ms, provisional
    clock.advance(50);
    expect((await new RedisThrottleStorage(client, { storeTime }).consume({ rules: [byIp] })).allowed).toBe(true); // tat = t0 + 200 ms
    clock.advance(30);
    held.release.open();
    expect((await twoScopes).allowed).toBe(false);
    // Without the refused request the key would hold t0 + 50 + 100 ms. Subtracting all of cost * T would
    // leave t0 + 100 ms (50 ms of debt forgotten: over-admission); what is left of the admission's debt at
    // t0 + 80 ms is 20 ms, so the key keeps t0 + 180 ms: 30 ms too many, never too few.
    await waitFor('the withdrawal', async () => (await tatOf(byIp)) === String((t0 + 180) * 1000));
  });
});
