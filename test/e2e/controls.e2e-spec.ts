// The operators' controls on every platform: shadow mode, allow lists and skipIf, the shape of the
// refusal (onThrottled, problem+json) and the choice of headers. On Fastify, requests after the first
// are decided by the fast lane, so both decision paths answer alike.
import { Controller, Get, HttpException } from '@nestjs/common';
import { MemoryThrottleStorage, ThrottleMetrics, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { CLIENT_B, PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class HiController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
}

@Controller()
class BothController {
  @ThrottleScope('burst', 'sustained') @Get('both') both() {
    return 'both';
  }
}

const times = (n: number) => Array.from({ length: n }, () => ['/hi'] as const);

describe.each(PLATFORMS)('operator controls over %s', (platform) => {
  let app: ThrottledApp | undefined;
  const start = async (throttle: ThrottleModuleOptions, controllers: Function[] = [HiController]) =>
    (app = await startThrottled(platform, { throttle, controllers: controllers as any }));
  afterEach(() => app?.close());
  const decisions = async () =>
    (await app!.app.get(ThrottleMetrics).registry.getSingleMetricAsString('throttle_decisions_total')).split('\n');

  it('issue 17 #9: shadow mode refuses nothing, sends no headers, and counts shadow_throttled', async () => {
    const a = await start({ scopes: { hi: { rate: '2/m', mode: 'shadow' } }, metrics: true });
    expect(await statuses(a.get, times(5))).toEqual([200, 200, 200, 200, 200]);
    const shadowed = await a.get('/hi');
    expect(Object.keys(shadowed.headers).filter((h) => /ratelimit|retry-after/.test(h))).toEqual([]);
    expect(await decisions()).toEqual(
      expect.arrayContaining([
        'throttle_decisions_total{scope="hi",result="allowed"} 2',
        'throttle_decisions_total{scope="hi",result="shadow_throttled"} 4',
      ]),
    );
  });

  it('a shadow refusal still lets the enforced scopes of the request count it', async () => {
    const a = await start({ scopes: { burst: { rate: '1/m', mode: 'shadow' }, sustained: '3/m' } }, [BothController]);
    expect(await statuses(a.get, [['/both'], ['/both'], ['/both'], ['/both']])).toEqual([200, 200, 200, 429]);
  });

  it('switching a scope from shadow to enforce keeps its counters (same keys)', async () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({}, clock);
    const shadow = await start({ scopes: { hi: { rate: '2/m', mode: 'shadow' } }, storage });
    expect(await statuses(shadow.get, times(2))).toEqual([200, 200]);
    await shadow.close();
    const enforced = await start({ scopes: { hi: '2/m' }, storage });
    expect(await statuses(enforced.get, times(1))).toEqual([429]);
  });

  it('allow lists skip a client (module-wide or per scope): no store count, no headers, counted as skipped', async () => {
    const a = await start({ scopes: { hi: { rate: '1/m', allow: [CLIENT_B] } }, metrics: true });
    expect(await statuses(a.get, [['/hi', {}, CLIENT_B], ['/hi', {}, CLIENT_B], ['/hi'], ['/hi']])).toEqual([200, 200, 200, 429]);
    expect((await a.get('/hi', {}, CLIENT_B)).headers['ratelimit']).toBeUndefined();
    expect(await decisions()).toContain('throttle_decisions_total{scope="hi",result="skipped"} 3');
  });

  it('skipIf skips the requests it names', async () => {
    const skipIf = (ctx: any) => ctx.switchToHttp().getRequest().headers['x-internal'] === 'yes';
    const a = await start({ scopes: { hi: '1/m' }, skipIf });
    const internal = { 'x-internal': 'yes' };
    expect(await statuses(a.get, [['/hi', internal], ['/hi', internal], ['/hi'], ['/hi'], ['/hi', internal]])).toEqual([
      200, 200, 200, 429, 200,
    ]);
  });

  it.each([true, false])('onThrottled "problem+json" answers the rate-limit draft problem type (fastLane: %s)', async (fastLane) => {
    const a = await start({ scopes: { hi: '1/m' }, onThrottled: 'problem+json', fastLane });
    await statuses(a.get, times(2));
    const refused = await a.get('/hi');
    expect([refused.status, refused.headers['content-type']?.split(';')[0], refused.headers['retry-after']]).toEqual([
      429,
      'application/problem+json',
      '60',
    ]);
    expect(refused.body).toEqual({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      title: 'Request cannot be satisfied as assigned quota has been exceeded',
      status: 429,
      detail: 'Request was throttled. Expected available in 60 seconds.',
      scope: 'hi',
      retryAfter: 60,
    });
  });

  it('onThrottled shapes the refusal: a body of your own, or an exception of your own', async () => {
    const seen: unknown[] = [];
    const body = await start({
      scopes: { hi: '1/m' },
      onThrottled: (r) => (seen.push([r.scope, r.limit, r.remaining, r.retryAfter]), { slowDown: r.scope }),
    });
    await statuses(body.get, times(2));
    const refused = await body.get('/hi');
    expect([refused.status, refused.body]).toEqual([429, { slowDown: 'hi' }]);
    expect(seen).toEqual([
      ['hi', 1, 0, 60],
      ['hi', 1, 0, 60],
    ]);
    await body.close();
    const custom = await start({ scopes: { hi: '1/m' }, onThrottled: () => new HttpException({ code: 'RATE' }, 503) });
    await statuses(custom.get, times(2));
    const unavailable = await custom.get('/hi');
    expect([unavailable.status, unavailable.body]).toEqual([503, { code: 'RATE' }]);
  });

  it.each([
    ['ietf', ['ratelimit', 'ratelimit-policy', 'retry-after']],
    ['legacy', ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']],
    ['none', ['retry-after']],
  ] as const)('headers: %s sends only its set (Retry-After always on a 429)', async (headers, expected) => {
    const a = await start({ scopes: { hi: '1/m' }, headers });
    await a.get('/hi');
    const refused = await a.get('/hi');
    expect(
      Object.keys(refused.headers)
        .filter((h) => /ratelimit|retry-after/.test(h))
        .sort(),
    ).toEqual(expected);
  });
});
