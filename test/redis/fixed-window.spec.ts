import { Cluster, Redis } from 'ioredis';
import { RedisThrottleStorage, ThrottleRequest, ThrottleRule } from 'nest-scoped-throttle';
import { FakeClock, ReferenceModel } from 'nest-scoped-throttle/testing';
import { waitFor } from '../../libs/testkit/src';
import { describeRedis, filePrefix, useCluster, useRedis } from '../support/redis/harness';

// fixed-window on Redis, the third algorithm added through the seam: a key is '<window end us>:<count>'
// expiring at the window's end, decided exactly as the reference model (a fake store clock drives
// windows, since the end is stored), refunded exactly, and withdrawn from a refused cross-slot request.
const keyPrefix = filePrefix('fixed-window');
let seq = 0;
const fixed = (limit: number, windowMs: number, tag = `fw-${++seq}`): ThrottleRule => ({
  key: `${tag}:{${tag}}:fw`,
  limit,
  windowMs,
  algorithm: 'fixed-window',
});

describeRedis('fixed-window on one Redis', () => {
  let client: Redis;
  useRedis(keyPrefix, (started) => (client = started));

  describe.each([
    ['one call per request', false],
    ['batched', true],
  ])('%s', (_, batching) => {
    it('decides as the reference model across windows, and stores the window end and count', async () => {
      const clock = new FakeClock();
      const store = new RedisThrottleStorage(client, { storeTime: { now: () => clock.now(), ttlSlackMs: 0 }, batching });
      const model = new ReferenceModel();
      const rule = fixed(3, 10_000);
      const opened = clock.now();
      for (const [advance, cost] of [
        [0, 1],
        [2_000, 2],
        [1_000, 1],
        [6_999, 1],
        [1, 1],
        [0, 3],
        [4_000, 1],
        [6_000, 2],
      ]) {
        clock.advance(advance);
        const request = { rules: [{ ...rule, cost }] };
        expect(await store.consume(request)).toEqual(model.consume(request, clock.now()));
        if (advance === 2_000) expect(await client.get(rule.key)).toBe(`${(opened + 10_000) * 1000}:3`);
      }
      expect(await client.pttl(rule.key)).toBeLessThanOrEqual(10_000);
    });
  });

  it('refunds exactly: never below zero, never a window that has ended', async () => {
    const clock = new FakeClock();
    const store = new RedisThrottleStorage(client, { storeTime: clock.storeTime() });
    const rule = fixed(5, 1_000);
    await store.consume({ rules: [{ ...rule, cost: 2 }] });
    expect(await store.refund({ rules: [{ ...rule, cost: 3 }] })).toEqual([2]);
    expect((await store.consume({ rules: [rule] })).states[0]).toEqual({ remaining: 4, resetMs: 1_000, retryAfterMs: 0 });
    clock.advance(1_000);
    expect(await store.refund({ rules: [rule] })).toEqual([0]);
  });
});

describeRedis('fixed-window on Redis Cluster: a refused cross-slot request', () => {
  let client: Cluster;
  useCluster(3, 0, keyPrefix, (started) => ({ client } = started));

  it('withdraws its provisional fixed-window admission: the key and states are the reference model’s', async () => {
    const clock = new FakeClock();
    const store = new RedisThrottleStorage(client, { storeTime: clock.storeTime() });
    const model = new ReferenceModel();
    const step = async (request: ThrottleRequest) => {
      const decision = await store.consume(request);
      expect({ allowed: decision.allowed, states: decision.states }).toEqual(model.consume(request, clock.now()));
      return decision;
    };
    const byIp = fixed(3, 60_000, 'ip');
    const byKey: ThrottleRule = { key: 'api-key:{k}', limit: 1, windowMs: 60_000 };
    await step({ rules: [byKey] }); // byKey full: [byIp, byKey] is refused there, after byIp admitted provisionally
    await step({ rules: [byIp] });
    const before = await client.get(byIp.key);
    clock.advance(10);
    expect((await step({ rules: [byIp, byKey] })).allowed).toBe(false);
    await waitFor('the admission to be withdrawn', async () => (await client.get(byIp.key))?.split(':')[1] === before?.split(':')[1]);
    for (let i = 0; i < 3; i++) await step({ rules: [byIp] }); // decided as if the refused request had never been
  });
});
