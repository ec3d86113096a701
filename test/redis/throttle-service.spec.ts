// Issue 21: ThrottleService on a shared Redis, single node and 3-master Cluster, over both platforms.
// Two app instances share the store: calls on one act on the counters the other's guard decides, and
// a refund or reset on one lifts the other's deny-cached refusals on its next request.
import { forgetSubscribers } from '../support/redis/forget-subscribers';
import { Controller, Get } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { RedisThrottleStorage, ScopeOptions, ThrottleScope, ThrottleService, ThrottleStorage } from 'nest-scoped-throttle';
import { waitFor } from '../../libs/testkit/src';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import { describeRedis, filePrefix, useClusterClient, useRedis } from '../support/redis/harness';

@Controller()
class HiController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
  @ThrottleScope('meter') @Get('meter') meter() {
    return 'meter';
  }
}

const scopes: Record<string, ScopeOptions> = {
  hi: { rate: '3/m', key: 'header:x-client' },
  meter: { rate: '1/m', algorithm: 'gcra' as const, burst: 2, key: 'header:x-client' },
};
let seq = 0;

function describeTopology(name: string, useStore: (onStart: (client: Redis | Cluster) => void) => void): void {
  describe.each(PLATFORMS)(`${name} over %s`, (platform) => {
    let client: Redis | Cluster;
    useStore((started) => (client = started));
    let apps: ThrottledApp[] = [];
    const instance = async () => {
      const storage = new RedisThrottleStorage(client);
      const app = await startThrottled(platform, { throttle: { scopes, storage, storeTimeoutMs: 1_000 }, controllers: [HiController] });
      apps.push(app);
      return { ...app, service: app.app.get(ThrottleService), storage: app.app.get(ThrottleStorage) };
    };
    afterEach(async () => {
      await Promise.all(apps.map((app) => app.close()));
      apps = [];
    });
    const subscribers = () => forgetSubscribers(client);
    const as = () => `${platform}-${process.pid}-${++seq}`;
    const hi = (id: string, n: number, path = '/hi') => Array.from({ length: n }, () => [path, { 'x-client': id }] as const);

    it('consume and check on one instance act on the counter the other instance’s guard decides', async () => {
      const [a, b] = [await instance(), await instance()];
      const id = as();
      expect(await a.service.consume('hi', id)).toMatchObject({ allowed: true, limit: 3, remaining: 2 });
      expect(await a.service.check('hi', id)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await statuses(b.get, hi(id, 3))).toEqual([200, 200, 429]);
      expect(await a.service.check('hi', id)).toMatchObject({ allowed: false, remaining: 0 });
    });

    it('refund and reset on one instance lift the refusals the other instance holds in its deny cache', async () => {
      const [a, b] = [await instance(), await instance()];
      const id = as();
      const key = a.service.keyOf('hi', id);
      const denied = () => b.storage.decideSync!({ rules: [{ key, limit: 3, windowMs: 60_000, algorithm: 'sliding-log' }] }) !== undefined;
      expect(await statuses(b.get, hi(id, 4))).toEqual([200, 200, 200, 429]);
      expect(denied()).toBe(true); // b now refuses locally, without asking Redis
      await waitFor('b to subscribe to the forget channel', async () => (await subscribers()) === 1, 5_000);
      expect(await a.service.refund('hi', id)).toBe(1);
      await waitFor('b to hear of the refund', () => !denied(), 5_000);
      expect(await statuses(b.get, hi(id, 2))).toEqual([200, 429]);
      await a.service.reset('hi', id);
      await waitFor('b to hear of the reset', () => !denied(), 5_000);
      expect(await statuses(b.get, hi(id, 4))).toEqual([200, 200, 200, 429]);
    });

    it('refund on a GCRA scope gives one interval back on every instance, never more than an idle bucket', async () => {
      const [a, b] = [await instance(), await instance()];
      const id = as();
      expect(await statuses(b.get, hi(id, 3, '/meter'))).toEqual([200, 200, 429]);
      await waitFor('b to subscribe to the forget channel', async () => (await subscribers()) === 1, 5_000);
      expect(await a.service.refund('meter', id, { cost: 2 })).toBe(2);
      expect(await a.service.refund('meter', id)).toBe(0);
      const key = a.service.keyOf('meter', id);
      const rule = { key, limit: 1, windowMs: 60_000, algorithm: 'gcra' as const, burst: 2 };
      await waitFor('b to hear of the refund', () => b.storage.decideSync!({ rules: [rule] }) === undefined, 5_000);
      expect(await statuses(b.get, hi(id, 3, '/meter'))).toEqual([200, 200, 429]);
    });
  });
}

describeRedis('ThrottleService on Redis', () => {
  describeTopology('single node', (onStart) => useRedis(filePrefix('throttle-service'), onStart));
  describeTopology('3-master cluster', (onStart) => useClusterClient(filePrefix('throttle-service-c'), onStart));
});
