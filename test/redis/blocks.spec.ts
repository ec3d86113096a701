// Issue 21: blockFor on a shared Redis, single node and 3-master Cluster, over both platforms. A block
// started by one instance's refusal holds on the other instance; a reset on either lifts it everywhere.
import { forgetSubscribers } from '../support/redis/forget-subscribers';
import { Controller, Get } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { RedisThrottleStorage, ScopeOptions, ThrottleScope, ThrottleService, ThrottleStorage } from 'nest-scoped-throttle';
import { waitFor } from '../../libs/testkit/src';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import { describeRedis, filePrefix, useClusterClient, useRedis } from '../support/redis/harness';

@Controller()
class LoginController {
  @ThrottleScope('login') @Get('login') login() {
    return 'ok';
  }
  @ThrottleScope('short') @Get('short') short() {
    return 'ok';
  }
}

const scopes: Record<string, ScopeOptions> = {
  login: { rate: '2/m', blockFor: '10m', key: 'header:x-client' },
  short: { rate: '1/4s', blockFor: '5s', key: 'header:x-client' },
};
let seq = 0;

function describeTopology(name: string, useStore: (onStart: (client: Redis | Cluster) => void) => void): void {
  describe.each(PLATFORMS)(`${name} over %s`, (platform) => {
    let client: Redis | Cluster;
    useStore((started) => (client = started));
    let apps: ThrottledApp[] = [];
    const instance = async () => {
      const storage = new RedisThrottleStorage(client);
      const app = await startThrottled(platform, { throttle: { scopes, storage, storeTimeoutMs: 1_000 }, controllers: [LoginController] });
      apps.push(app);
      return { ...app, service: app.app.get(ThrottleService), storage: app.app.get(ThrottleStorage) };
    };
    afterEach(async () => {
      await Promise.all(apps.map((app) => app.close()));
      apps = [];
    });

    const subscribers = () => forgetSubscribers(client);

    it('a block started on one instance holds on the other; a reset lifts it on both', async () => {
      const [a, b] = [await instance(), await instance()];
      const as = { 'x-client': `${platform}-${process.pid}-${++seq}` };
      const key = a.service.keyOf('login', as['x-client']);
      const rule = { key, limit: 2, windowMs: 60_000, algorithm: 'sliding-log' as const };
      expect(
        await statuses(a.get, [
          ['/login', as],
          ['/login', as],
          ['/login', as],
        ]),
      ).toEqual([200, 200, 429]);
      await waitFor('the block to reach Redis', async () => (await b.service.check('login', as['x-client'])).retryAfterMs > 60_000, 5_000);
      const onB = await b.get('/login', as);
      expect([onB.status, Number(onB.headers['retry-after'])]).toEqual([429, expect.any(Number)]);
      expect(Number(onB.headers['retry-after'])).toBeGreaterThan(590);
      expect(b.storage.decideSync!({ rules: [rule] })).toBeDefined(); // b refuses locally until the block ends
      await waitFor('b to subscribe to the forget channel (on its first refusal)', async () => (await subscribers()) >= 2, 5_000);
      await a.service.reset('login', as['x-client']);
      await waitFor('b to hear of the reset', () => b.storage.decideSync!({ rules: [rule] }) === undefined, 5_000);
      expect(await statuses(b.get, [['/login', as]])).toEqual([200]);
      expect(await statuses(a.get, [['/login', as]])).toEqual([200]);
    });

    it('after a reset on one instance, the other forgets the block it knew: its next refusal blocks anew', async () => {
      const [a, b] = [await instance(), await instance()];
      const as = { 'x-client': `${platform}-${process.pid}-${++seq}` };
      const rule = { key: a.service.keyOf('short', as['x-client']), limit: 1, windowMs: 4_000, algorithm: 'sliding-log' as const };
      expect(
        await statuses(b.get, [
          ['/short', as],
          ['/short', as],
        ]),
      ).toEqual([200, 429]); // b learns the 5 s block
      await waitFor('b to subscribe to the forget channel (on its first refusal)', async () => (await subscribers()) >= 1, 5_000);
      await a.service.reset('short', as['x-client']);
      await waitFor('b to hear of the reset', () => b.storage.decideSync!({ rules: [rule] }) === undefined, 5_000);
      // Within the old block's time, a new refusal on b is no longer taken for that block: b blocks the client anew.
      expect(
        await statuses(b.get, [
          ['/short', as],
          ['/short', as],
        ]),
      ).toEqual([200, 429]);
      expect((await a.service.check('short', as['x-client'])).retryAfterMs).toBeGreaterThan(4_000); // a block, not the window
    });
  });
}

describeRedis('blockFor on Redis', () => {
  describeTopology('single node', (onStart) => useRedis(filePrefix('blocks'), onStart));
  describeTopology('3-master cluster', (onStart) => useClusterClient(filePrefix('blocks-c'), onStart));
});
