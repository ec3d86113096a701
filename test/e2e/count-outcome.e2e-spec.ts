// Issue 21: counting by outcome (count: failures | successes, countIf). An admitted request holds its
// unit until its response is finished, then gives it back when its status does not count: successes
// are free on a failures-only login, and concurrent attempts never exceed the limit of counted ones.
// Both platforms (on Fastify the fast lane decides the requests after the first).
import { Controller, Get, Headers, UnauthorizedException } from '@nestjs/common';
import { ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { waitFor } from '../../libs/testkit/src';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

let gate: Promise<void> = Promise.resolve();

@Controller()
class LoginController {
  @ThrottleScope('login') @Get('login') login(@Headers('x-pass') pass?: string) {
    if (pass !== 'ok') throw new UnauthorizedException();
    return 'welcome';
  }
  @ThrottleScope('slow') @Get('slow') async slow(@Headers('x-pass') pass?: string) {
    await gate;
    if (pass !== 'ok') throw new UnauthorizedException();
    return 'welcome';
  }
  @ThrottleScope('tiered') @Get('tiered') tiered(@Headers('x-pass') pass?: string) {
    if (pass !== 'ok') throw new UnauthorizedException();
    return 'welcome';
  }
  @ThrottleScope('upload') @Get('upload') upload(@Headers('x-pass') pass?: string) {
    if (pass !== 'ok') throw new UnauthorizedException();
    return 'stored';
  }
}

const SCOPES: ThrottleModuleOptions = {
  scopes: {
    login: { rate: '2/m', count: 'failures' },
    slow: { rate: '2/m', count: 'failures', key: 'header:x-user' },
    upload: { rate: '2/m', countIf: (status) => status === 200 },
    tiered: { rate: '5/m', count: 'failures', tier: 'header:x-plan', tiers: { trial: '2/m' } },
  },
};
const ok = { 'x-pass': 'ok' };
const bad = { 'x-pass': 'wrong' };
const times = (n: number, path: string, headers: Record<string, string>) => Array.from({ length: n }, () => [path, headers] as const);

describe.each(PLATFORMS)('count by outcome over %s', (platform) => {
  let app: ThrottledApp | undefined;
  const start = async (throttle: ThrottleModuleOptions = SCOPES) =>
    (app = await startThrottled(platform, { throttle, controllers: [LoginController] }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('failures only: successes are free, the second failure exhausts the scope for everyone', async () => {
    const a = await start();
    expect(await statuses(a.get, times(5, '/login', ok))).toEqual([200, 200, 200, 200, 200]);
    expect(await statuses(a.get, times(2, '/login', bad))).toEqual([401, 401]);
    expect(await statuses(a.get, times(1, '/login', ok))).toEqual([429]);
    a.clock.advance(60_000);
    expect(await statuses(a.get, times(1, '/login', ok))).toEqual([200]);
  });

  it('admits against a reservation: concurrent attempts never exceed the limit, uncounted ones give their unit back after', async () => {
    const a = await start();
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const done: number[] = [];
    // One client on four connections (a connection answers in order): the same identity, x-user.
    const as = { ...ok, 'x-user': 'ann' };
    const inFlight = [11, 12, 13, 14].map((host) => a.get('/slow', as, `127.0.0.${host}`).then((r) => (done.push(r.status), r.status)));
    await waitFor('the attempts beyond the limit to be refused while two are held', () => done.length === 2);
    expect(done).toEqual([429, 429]);
    open();
    expect((await Promise.all(inFlight)).sort()).toEqual([200, 200, 429, 429]);
    const annBad = { ...bad, 'x-user': 'ann' };
    expect(await statuses(a.get, [...times(2, '/slow', annBad), ...times(1, '/slow', as)])).toEqual([401, 401, 429]);
  });

  it("a client-chosen tier's counter gives back uncounted units too: successes stay free under the tier", async () => {
    const a = await start();
    const trial = { 'x-plan': 'trial' };
    expect(await statuses(a.get, times(4, '/tiered', { ...ok, ...trial }))).toEqual([200, 200, 200, 200]);
    expect(await statuses(a.get, times(3, '/tiered', { ...bad, ...trial }))).toEqual([401, 401, 429]); // trial: 2 failures
    expect(await statuses(a.get, times(1, '/tiered', ok))).toEqual([200]); // the scope's own 5/m still has room
  });

  it('countIf: only the statuses it names count', async () => {
    const a = await start();
    expect(await statuses(a.get, times(3, '/upload', bad))).toEqual([401, 401, 401]);
    expect(await statuses(a.get, times(3, '/upload', ok))).toEqual([200, 200, 429]);
  });

  it('refuses a bad count at boot, naming the option', async () => {
    await expect(start({ scopes: { login: { rate: '2/m', count: 'fails' as 'failures' } } })).rejects.toThrow(
      'scope "login" count "fails" must be one of all, failures, successes',
    );
    await expect(start({ scopes: { login: { rate: '2/m', count: 'failures', countIf: () => true } } })).rejects.toThrow(
      'scope "login": give count or countIf, not both',
    );
    await expect(start({ scopes: { login: { rate: '2/m', countIf: 'yes' as never } } })).rejects.toThrow('countIf must be a function');
  });
});
