// An app-built RedisThrottleStorage passed as `storage`, on a live private redis-server: the module puts
// it behind the failure policy (ready before the first decision, health from the wrapper) and still
// decides exactly; the app's client is the app's (not quit at shutdown).
import { Controller, Get } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisThrottleStorage, ThrottleScope, ThrottleStorage } from 'nest-scoped-throttle';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled } from '../support/apps/throttled-app';
import { describeRedis, filePrefix, useRedis } from '../support/redis/harness';

@Controller()
class HiController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
}

describeRedis('issue 17 #6: an app-built RedisThrottleStorage behind the failure policy', () => {
  let client: Redis;
  useRedis(filePrefix('shared-storage'), (started) => (client = started));

  it.each(PLATFORMS)('decides exactly over %s, reports the wrapper’s health, and leaves the app’s client open', async (platform) => {
    const storage = new RedisThrottleStorage(client);
    const app = await startThrottled(platform, {
      throttle: { scopes: { hi: { rate: '2/m', key: 'header:x-client' } }, storage, onStoreError: 'deny', storeTimeoutMs: 500 },
      controllers: [HiController],
    });
    try {
      const as = { 'x-client': `${platform}-${Date.now()}` };
      expect(
        await statuses(app.get, [
          ['/hi', as],
          ['/hi', as],
          ['/hi', as],
        ]),
      ).toEqual([200, 200, 429]);
      expect(app.app.get(ThrottleStorage).health()).toMatchObject({ store: 'redis', state: 'ok', circuit: 'closed', policy: 'deny' });
    } finally {
      await app.close();
    }
    expect(client.status).toBe('ready');
  });
});
