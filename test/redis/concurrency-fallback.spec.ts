// Issue 22 under the failure policy: Redis dies while a client holds leases; with onStoreError `local`
// and instances: 2, each process decides leases from its own memory, at most ceil(4 / 2) = 2 of a
// concurrency-4 scope, the refusal's policy naming that share. Both platforms.
import { Controller, Get } from '@nestjs/common';
import { ThrottleScope } from 'nest-scoped-throttle';
import { startRedis, waitFor } from '../../libs/testkit/src';
import { PLATFORMS } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import { describeRedis, filePrefix } from '../support/redis/harness';

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

describeRedis('concurrency limits when Redis is down (local fallback)', () => {
  describe.each(PLATFORMS)('over %s', (platform) => {
    let server: Awaited<ReturnType<typeof startRedis>>;
    let app: ThrottledApp | undefined;
    let open: () => void = () => undefined;
    beforeEach(async () => {
      server = await startRedis();
      entered = 0;
      gate = new Promise((resolve) => (open = resolve));
    });
    afterEach(async () => {
      open();
      await app?.close();
      await server.cleanup();
    });

    it('holds this process to its share of the limit: ceil(concurrency / instances)', async () => {
      const scopes = { export: { concurrency: 4, key: 'header:x-user' as const } };
      const redis = { url: server.url };
      app = await startThrottled(platform, {
        throttle: { scopes, redis, keyPrefix: filePrefix('concurrency-fallback'), instances: 2, storeTimeoutMs: 200 },
        controllers: [SlowController],
      });
      const user = { 'x-user': 'ann' };
      await server.kill();
      const held = [app.get('/export', user, '127.0.0.11'), app.get('/export', user, '127.0.0.12')];
      await waitFor('two requests admitted by the local fallback', () => entered === 2);
      const refused = await app.get('/export', user, '127.0.0.13');
      expect([refused.status, refused.headers['ratelimit-policy']]).toEqual([429, '"export";q=2;qu="concurrent-requests"']);
      open();
      expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    });
  });
});
