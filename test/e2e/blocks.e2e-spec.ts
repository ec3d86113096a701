// Issue 21: blockFor. A client a blocking scope refuses stays refused for the block, whatever its
// window says, and every header tells the block's end; ThrottleService.block sets one, reset lifts it.
// Both platforms (on Fastify the fast lane decides the requests after the first).
import { Controller, Get } from '@nestjs/common';
import { ThrottleModuleOptions, ThrottleScope, ThrottleService } from 'nest-scoped-throttle';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class LoginController {
  @ThrottleScope('login') @Get('login') login() {
    return 'ok';
  }
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
}

const SCOPES: ThrottleModuleOptions = { scopes: { login: { rate: '2/m', blockFor: '10m' }, hi: '5/m' } };
const login = (n: number) => Array.from({ length: n }, () => ['/login'] as const);
const blockHeaders = (r: { headers: Record<string, string | undefined> }) => [
  r.headers['retry-after'],
  r.headers['ratelimit'],
  r.headers['x-ratelimit-reset'],
];

describe.each(PLATFORMS)('blockFor over %s', (platform) => {
  let app: ThrottledApp | undefined;
  const start = async (throttle: ThrottleModuleOptions = SCOPES) =>
    (app = await startThrottled(platform, { throttle, controllers: [LoginController] }));
  afterEach(() => app?.close());

  it('a refused client stays refused for the whole block, every header telling its end, then is admitted', async () => {
    const a = await start();
    expect(await statuses(a.get, login(2))).toEqual([200, 200]);
    const refused = await a.get('/login');
    expect([refused.status, ...blockHeaders(refused)]).toEqual([429, '600', '"login";r=0;t=600', '600']);
    expect(refused.body).toMatchObject({ scope: 'login', retryAfter: 600 });
    a.clock.advance(60_000); // the window is over: only the block refuses now
    const still = await a.get('/login');
    expect([still.status, ...blockHeaders(still)]).toEqual([429, '540', '"login";r=0;t=540', '540']);
    a.clock.advance(60_000);
    expect((await a.get('/login')).headers['retry-after']).toBe('480'); // refusals during the block do not extend it
    a.clock.advance(479_999);
    expect(await statuses(a.get, login(1))).toEqual([429]);
    a.clock.advance(1);
    expect(await statuses(a.get, login(3))).toEqual([200, 200, 429]);
    expect(await statuses(a.get, [['/hi']])).toEqual([200]); // other scopes never block
  });

  it('ThrottleService.block sets a block by hand and reset lifts it', async () => {
    const a = await start();
    const service = a.app.get(ThrottleService);
    expect(await service.block('login', '127.0.0.1', '1h')).toBe(3_600_000);
    const blocked = await a.get('/login');
    expect([blocked.status, blocked.headers['retry-after']]).toEqual([429, '3600']);
    expect(await service.block('login', '127.0.0.1', 5_000)).toBe(3_600_000); // an active block is kept
    await service.reset('login', '127.0.0.1');
    expect(await statuses(a.get, login(3))).toEqual([200, 200, 429]);
  });

  it('after a reset lifts a block, the next refusal blocks the client anew', async () => {
    const a = await start();
    const service = a.app.get(ThrottleService);
    expect(await statuses(a.get, login(3))).toEqual([200, 200, 429]);
    a.clock.advance(120_000);
    await service.reset('login', '127.0.0.1');
    expect(await statuses(a.get, login(2))).toEqual([200, 200]);
    const again = await a.get('/login');
    expect([again.status, again.headers['retry-after']]).toEqual([429, '600']);
    a.clock.advance(60_000);
    expect((await a.get('/login')).headers['retry-after']).toBe('540'); // held in the store, not just reported
  });

  it('refuses a bad blockFor at boot and a bad block call, naming the option', async () => {
    await expect(start({ scopes: { login: { rate: '2/m', blockFor: '10 fortnights' } } })).rejects.toThrow(
      /scope "login" blockFor "10 fortnights": /,
    );
    await expect(start({ scopes: { meter: { rate: '2/m', algorithm: 'gcra', blockFor: '1m' } } })).rejects.toThrow(
      'scope "meter": blockFor needs algorithm "sliding-log"',
    );
    await expect(start({ scopes: { login: { rate: '2/m', blockFor: 0 } } })).rejects.toThrow('blockFor must be a positive integer');
    const a = await start();
    await expect(a.app.get(ThrottleService).block('login', '127.0.0.1', '5 weeks')).rejects.toThrow(
      /ThrottleService.block: duration "5 weeks"/,
    );
  });
});
