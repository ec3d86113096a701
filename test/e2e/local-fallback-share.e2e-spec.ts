// While Redis is unreachable, onStoreError=local decides in this process under its share of each limit,
// ceil(limit / instances), and the rate-limit headers report that share, on every platform.
import { Controller, Get } from '@nestjs/common';
import { ThrottleScope } from 'nest-scoped-throttle';
import { freePort } from '../../libs/testkit/src';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class RoutesController {
  @ThrottleScope('api_key') @Get() root() {
    return 'ok';
  }
  @ThrottleScope('burst', 'sustained') @Get('upload') upload() {
    return 'up';
  }
}

describe.each(PLATFORMS)('Redis unreachable, onStoreError=local, instances=2, over %s', (platform) => {
  let app: ThrottledApp;
  beforeEach(async () => {
    app = await startThrottled(platform, {
      throttle: {
        scopes: { api_key: { rate: '6/m', key: 'query:api_key' }, burst: '3/s', sustained: '10/m' },
        redis: { url: `redis://127.0.0.1:${await freePort()}` },
        onStoreError: 'local',
        instances: 2,
      },
      controllers: [RoutesController],
    });
  });
  afterEach(() => app.close());

  it('admits ceil(6 / 2) = 3 a minute, and says q=3 in the headers of admissions and refusals', async () => {
    const first = await app.get('/?api_key=k');
    expect(first.status).toBe(200);
    expect(first.headers).toMatchObject({
      'ratelimit-policy': '"api_key";q=3;w=60',
      ratelimit: '"api_key";r=2;t=60',
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
    });
    expect(
      await statuses(
        app.get,
        Array.from({ length: 4 }, () => ['/?api_key=k'] as const),
      ),
    ).toEqual([200, 200, 429, 429]);
    const refused = await app.get('/?api_key=k');
    expect(refused.headers).toMatchObject({ 'ratelimit-policy': '"api_key";q=3;w=60', 'x-ratelimit-limit': '3', 'retry-after': '60' });
    app.clock.advance(60_000);
    expect((await app.get('/?api_key=k')).status).toBe(200);
  });

  it('reports each scope of a request under its own share', async () => {
    const res = await app.get('/upload');
    expect(res.headers['ratelimit-policy']).toBe('"burst";q=2;w=1, "sustained";q=5;w=60');
    expect(await statuses(app.get, [['/upload'], ['/upload']])).toEqual([200, 429]);
  });
});
