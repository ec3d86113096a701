// Issue 21: counting by outcome on a shared Redis, single node and 3-master Cluster, over both
// platforms: an uncounted response gives its unit back in Redis (every instance sees it), a counted
// one keeps it, and a refusal cached by another instance is lifted by the refund.
import { Controller, Get, Headers, UnauthorizedException } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { RedisThrottleStorage, ScopeOptions, ThrottleScope, ThrottleService } from 'nest-scoped-throttle';
import { waitFor } from '../../libs/testkit/src';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import { describeRedis, filePrefix, useClusterClient, useRedis } from '../support/redis/harness';

@Controller()
class LoginController {
  @ThrottleScope('login') @Get('login') login(@Headers('x-pass') pass?: string) {
    if (pass !== 'ok') throw new UnauthorizedException();
    return 'welcome';
  }
}

const scopes: Record<string, ScopeOptions> = { login: { rate: '2/m', count: 'failures', key: 'header:x-client' } };
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
      return { ...app, service: app.app.get(ThrottleService) };
    };
    afterEach(async () => {
      await Promise.all(apps.map((app) => app.close()));
      apps = [];
    });

    it('successes give their unit back in Redis, failures keep it, on every instance', async () => {
      const [a, b] = [await instance(), await instance()];
      const id = `${platform}-${process.pid}-${++seq}`;
      const ok = { 'x-client': id, 'x-pass': 'ok' };
      const bad = { 'x-client': id, 'x-pass': 'no' };
      /** Waits until the refunds of finished responses reached Redis: `remaining` units left. */
      const settled = (remaining: number) =>
        waitFor(`${remaining} left`, async () => (await a.service.check('login', id)).remaining === remaining - 1);
      for (const at of [a, b, a]) {
        expect(await statuses(at.get, [['/login', ok]])).toEqual([200]);
        await settled(2);
      }
      expect(await statuses(b.get, [['/login', bad]])).toEqual([401]);
      await settled(1);
      expect(
        await statuses(a.get, [
          ['/login', bad],
          ['/login', ok],
        ]),
      ).toEqual([401, 429]);
      expect(await statuses(b.get, [['/login', ok]])).toEqual([429]);
    });
  });
}

describeRedis('count by outcome on Redis', () => {
  describeTopology('single node', (onStart) => useRedis(filePrefix('count-outcome'), onStart));
  describeTopology('3-master cluster', (onStart) => useClusterClient(filePrefix('count-outcome-c'), onStart));
});
