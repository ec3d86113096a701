// Issue 21: ThrottleService, the runtime API beside the guard, on both platforms (on Fastify the fast
// lane decides the requests after the first): its calls and the guard's requests share one counter.
import { Controller, Get, Req } from '@nestjs/common';
import { ipIdentity, ThrottleModuleOptions, ThrottleScope, ThrottleService } from 'nest-scoped-throttle';
import { CLIENT_A, CLIENT_B, PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class HiController {
  constructor(private readonly throttle: ThrottleService) {}

  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }

  @ThrottleScope('meter') @Get('meter') meter() {
    return 'meter';
  }

  /** Not throttled: takes back the caller's latest `hi` admission, as an app would after a failed login it forgives. */
  @Get('undo') async undo(@Req() request: unknown) {
    return { refunded: await this.throttle.refund('hi', this.throttle.identityOf('hi', request)) };
  }
}

const SCOPES: ThrottleModuleOptions = { scopes: { hi: '3/m', meter: { rate: '10/s', algorithm: 'gcra', burst: 2 } } };
const hi = (n: number, from = CLIENT_A) => Array.from({ length: n }, () => ['/hi', {}, from] as const);

describe.each(PLATFORMS)('ThrottleService over %s', (platform) => {
  let app: ThrottledApp | undefined;
  let service: ThrottleService;
  const start = async () => {
    app = await startThrottled(platform, { throttle: SCOPES, controllers: [HiController] });
    service = app.app.get(ThrottleService);
    return app;
  };
  afterEach(() => app?.close());

  it('consume counts on the guard counter of the same client, and only that client', async () => {
    const a = await start();
    expect(await service.consume('hi', CLIENT_A)).toEqual({
      allowed: true,
      scope: 'hi',
      limit: 3,
      remaining: 2,
      resetMs: 60_000,
      retryAfterMs: 0,
    });
    await service.consume('hi', ipIdentity(`::ffff:${CLIENT_A}`)); // the guard's canonical form: one counter
    const last = await a.get('/hi');
    expect([last.status, last.headers['x-ratelimit-remaining']]).toEqual([200, '0']);
    expect(await statuses(a.get, [...hi(1), ...hi(1, CLIENT_B)])).toEqual([429, 200]);
    expect(await service.consume('hi', CLIENT_A)).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 60_000 });
  });

  it('check says what a request would get and consumes nothing', async () => {
    const a = await start();
    await a.get('/hi');
    a.clock.advance(1_000);
    for (let i = 0; i < 5; i++) expect(await service.check('hi', CLIENT_A)).toMatchObject({ allowed: true, remaining: 1, resetMs: 59_000 });
    expect(await service.check('hi', CLIENT_A, { cost: 3 })).toMatchObject({ allowed: false, retryAfterMs: 59_000 });
    expect(await statuses(a.get, hi(3))).toEqual([200, 200, 429]);
  });

  it('refund takes back the latest admission of the identity a request resolves, never below zero', async () => {
    const a = await start();
    expect(await statuses(a.get, hi(4))).toEqual([200, 200, 200, 429]);
    expect((await a.get('/undo')).body).toEqual({ refunded: 1 });
    expect(await statuses(a.get, hi(2))).toEqual([200, 429]);
    expect(await service.refund('hi', CLIENT_A, { cost: 3 })).toBe(3);
    expect(await service.refund('hi', CLIENT_A)).toBe(0);
    expect(await statuses(a.get, hi(4))).toEqual([200, 200, 200, 429]);
  });

  it('refund on a GCRA scope gives one interval back, never more than an idle bucket', async () => {
    const a = await start();
    expect(await statuses(a.get, [['/meter'], ['/meter'], ['/meter']])).toEqual([200, 200, 429]);
    expect(await service.refund('meter', CLIENT_A)).toBe(1);
    expect(await statuses(a.get, [['/meter'], ['/meter']])).toEqual([200, 429]);
    a.clock.advance(1_000);
    expect(await service.refund('meter', CLIENT_A, { cost: 2 })).toBe(0);
    expect(await statuses(a.get, [['/meter'], ['/meter'], ['/meter']])).toEqual([200, 200, 429]);
  });

  it('reset lifts a full counter at once', async () => {
    const a = await start();
    expect(await statuses(a.get, hi(4))).toEqual([200, 200, 200, 429]);
    await service.reset('hi', CLIENT_A);
    expect(await statuses(a.get, hi(4))).toEqual([200, 200, 200, 429]);
  });

  it('refuses bad input with an error naming what to fix', async () => {
    await start();
    await expect(service.consume('nope', CLIENT_A)).rejects.toThrow('unknown scope "nope" (known scopes: hi, meter)');
    await expect(service.check('hi', '')).rejects.toThrow('identity must be a non-empty string');
    await expect(service.consume('hi', CLIENT_A, { cost: 0 })).rejects.toThrow('cost must be an integer from 1 to 3 (scope "hi"), got 0');
    await expect(service.refund('meter', CLIENT_A, { cost: 2.5 })).rejects.toThrow('cost must be an integer from 1 to 2');
    expect(() => service.keyOf('hi', { resolved: '' })).toThrow('identity must be');
  });
});
