import { Controller, Get } from '@nestjs/common';
import { ThrottleScope } from 'nest-scoped-throttle';
import { freePort } from '../../libs/testkit/src';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import { describeRedis } from '../support/redis/harness';

// Issue 17 #4: with Redis unreachable under onStoreError 'deny', a shadow-only route is not refused
// (shadow refuses nothing, whatever the store's state), and a route with enforced and shadow scopes
// answers as its enforced scopes alone would (503), on both platforms.

@Controller()
class ShadowController {
  @ThrottleScope('trial') @Get('shadow-only') shadowOnly() {
    return 'shadow-only';
  }
  @ThrottleScope('fast', 'trial') @Get('both') both() {
    return 'both';
  }
}

describeRedis('issue 17 #4: shadow scopes under onStoreError deny with Redis down', () => {
  let app: ThrottledApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each(PLATFORMS)('a shadow-only route answers 200, a route with an enforced scope 503 (%s)', async (platform) => {
    const port = await freePort(); // nothing listens there
    app = await startThrottled(platform, {
      throttle: {
        scopes: { fast: '1/s', trial: { rate: '1/hour', mode: 'shadow' } },
        redis: { url: `redis://127.0.0.1:${port}/0` },
        onStoreError: 'deny',
        storeBootTimeoutMs: 200,
      },
      controllers: [ShadowController],
    });
    expect(await statuses(app.get, [['/shadow-only'], ['/shadow-only'], ['/both']])).toEqual([200, 200, 503]);
    expect(Object.keys((await app.get('/shadow-only')).headers).filter((h) => /ratelimit|retry-after/.test(h))).toEqual([]);
  });
});
