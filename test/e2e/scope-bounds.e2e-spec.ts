// Regression (issue 9, item 4): a client spent its `hi` budget, then a flood of distinct api_key values
// (more than memory.maxKeys) evicted its log from the one LRU every scope shared, and it got a fresh
// budget within the minute. Each scope now has its own bound, in the memory store and in the `local`
// fallback the Redis store uses while Redis is down. Scaled down: maxKeys 50, a flood of 200 identities.
import { Controller, Get, Query } from '@nestjs/common';
import { ThrottleMetrics, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { freePort } from '../../libs/testkit/src';
import { statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class DemoLikeController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return { msg: 'Hello Hello!' };
  }
  @ThrottleScope('api_key') @Get() root(@Query('api_key') _key: string) {
    return 'ok';
  }
}

const MAX_KEYS = 50;
const FLOOD = 200;
const base: ThrottleModuleOptions = {
  scopes: { hi: '5/m', api_key: { rate: '1/s', key: 'query:api_key' } },
  memory: { maxKeys: MAX_KEYS },
  metrics: true,
};

const stores: [string, () => Promise<ThrottleModuleOptions>][] = [
  ['memory store', async () => base],
  [
    'local fallback (Redis unreachable)',
    async () => ({ ...base, redis: { url: `redis://127.0.0.1:${await freePort()}` }, onStoreError: 'local' }),
  ],
];

describe.each(stores)('%s, memory.maxKeys=50', (_name, options) => {
  let app: ThrottledApp;
  beforeEach(async () => {
    app = await startThrottled('fastify', { throttle: await options(), controllers: [DemoLikeController] });
  });
  afterEach(() => app.close());

  it('a flood of distinct api_key values does not give a spent /hi client a fresh budget', async () => {
    expect(
      await statuses(
        app.get,
        Array.from({ length: 5 }, () => ['/hi'] as const),
      ),
    ).toEqual([200, 200, 200, 200, 200]);
    const flood = await statuses(
      app.get,
      Array.from({ length: FLOOD }, (_, i) => [`/?api_key=k${i}`] as const),
    );
    expect(flood.every((s) => s === 200)).toBe(true);
    app.clock.advance(10_000);
    const after = await statuses(
      app.get,
      Array.from({ length: 5 }, () => ['/hi'] as const),
    );
    console.log(`${_name}: /hi after a flood of ${FLOOD} api_keys (maxKeys ${MAX_KEYS}): ${JSON.stringify(after)}`);
    expect(after).toEqual([429, 429, 429, 429, 429]);
    app.clock.advance(50_000);
    expect((await app.get('/hi')).status).toBe(200);
  });

  it('counts the evicted live logs in throttle_evictions_total{scope}', async () => {
    await statuses(
      app.get,
      Array.from({ length: FLOOD }, (_, i) => [`/?api_key=k${i}`] as const),
    );
    const text = await app.app.get(ThrottleMetrics).registry.metrics();
    expect(text).toContain(`throttle_evictions_total{scope="api_key"} ${FLOOD - MAX_KEYS}`);
    expect(text).not.toContain('throttle_evictions_total{scope="hi"}');
  });
});
