// Issue 22 on a shared Redis, single node and 3-master Cluster, over both platforms: the contract
// cases of test/e2e/concurrency-cases.ts (the lease script on the test clock), and two instances
// sharing one client's limit: leases held on one refuse on the other, and come back to both.
import { Controller, Get } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { RedisThrottleStorage, ThrottleScope } from 'nest-scoped-throttle';
import { waitFor } from '../../libs/testkit/src';
import { concurrencyCases } from '../e2e/concurrency-cases';
import { PLATFORMS } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import { describeRedis, filePrefix, useClusterClient, useRedis } from '../support/redis/harness';

let gate: Promise<void> = Promise.resolve();
let entered = 0;

@Controller()
class SlowController {
  @ThrottleScope('export') @Get('export') async export() {
    entered++;
    await gate;
    return 'done';
  }
}

let seq = 0;

function describeTopology(name: string, useStore: (onStart: (client: Redis | Cluster) => void) => void): void {
  describe.each(PLATFORMS)(`${name} over %s`, (platform) => {
    let client: Redis | Cluster;
    useStore((started) => (client = started));
    concurrencyCases(platform, () => ({ storage: new RedisThrottleStorage(client), storeTimeoutMs: 1_000 }));

    describe('two instances', () => {
      let apps: ThrottledApp[] = [];
      let open: () => void = () => undefined;
      afterEach(async () => {
        open();
        await Promise.all(apps.map((app) => app.close()));
        apps = [];
      });
      const instance = async () => {
        const storage = new RedisThrottleStorage(client);
        const scopes = { export: { concurrency: 2, key: 'header:x-user' as const } };
        const app = await startThrottled(platform, { throttle: { scopes, storage, storeTimeoutMs: 1_000 }, controllers: [SlowController] });
        apps.push(app);
        return app;
      };

      it('share one limit: leases held on one refuse on the other, and come back to both', async () => {
        const [a, b] = [await instance(), await instance()];
        const user = { 'x-user': `${platform}-${process.pid}-${++seq}` };
        entered = 0;
        gate = new Promise((resolve) => (open = resolve));
        const held = [a.get('/export', user, '127.0.0.21'), b.get('/export', user, '127.0.0.22')];
        await waitFor('one lease held on each instance', () => entered === 2);
        expect([(await a.get('/export', user, '127.0.0.23')).status, (await b.get('/export', user, '127.0.0.24')).status]).toEqual([
          429, 429,
        ]);
        open();
        expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
        expect([(await b.get('/export', user)).status, (await a.get('/export', user)).status]).toEqual([200, 200]);
      });
    });
  });
}

describeRedis('concurrency limits on Redis', () => {
  describeTopology('single node', (onStart) => useRedis(filePrefix('concurrency'), onStart));
  describeTopology('3-master cluster', (onStart) => useClusterClient(filePrefix('concurrency-c'), onStart));
});
