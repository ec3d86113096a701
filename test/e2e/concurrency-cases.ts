// Issue 22's contract cases for concurrency limits, run by the memory e2e spec and the Redis specs
// (single node, 3-master Cluster) on both platforms: N in flight, never N+1; the refusal's headers;
// a concurrency refusal consumes nothing from the scope's rate; leases come back when the response
// finishes, fails, or its client goes away, and when a rate refuses; an unreleased lease expires after leaseMs.
import { Controller, Get, Headers, InternalServerErrorException } from '@nestjs/common';
import { ScopeOptions, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { request } from 'undici';
import { waitFor } from '../../libs/testkit/src';
import { Platform, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

let gate: Promise<void> = Promise.resolve();
let entered = 0;
let onEnter: (() => void) | undefined;

@Controller()
class ExportController {
  @ThrottleScope('export') @Get('export') async export() {
    entered++;
    onEnter?.();
    await gate;
    return 'done';
  }
  @ThrottleScope('both') @Get('both') async both(@Headers('x-fail') fail?: string) {
    entered++;
    onEnter?.();
    await gate;
    if (fail !== undefined) throw new InternalServerErrorException();
    return 'done';
  }
  @ThrottleScope('strict', 'single') @Get('strict') strict() {
    return 'ok';
  }
  @ThrottleScope('single') @Get('single') single() {
    return 'ok';
  }
}

export const CONCURRENCY_SCOPES: Record<string, ScopeOptions> = {
  export: { concurrency: 2, leaseMs: 5_000, key: 'header:x-user' },
  both: { rate: '3/m', concurrency: 1, key: 'header:x-user' },
  strict: { rate: '1/m', key: 'header:x-user' },
  single: { concurrency: 1, leaseMs: '1h', key: 'header:x-user' },
};

const CONCURRENT = '"export";q=2;qu="concurrent-requests"';
let users = 0;

/** The cases, on `platform`, with the module options `options()` gives (a store), each test its own client. */
export function concurrencyCases(platform: Platform, options: () => Omit<ThrottleModuleOptions, 'scopes'>): void {
  let app: ThrottledApp | undefined;
  let user: Record<string, string>;
  let open: () => void = () => undefined;
  const start = async () =>
    (app = await startThrottled(platform, { throttle: { scopes: CONCURRENCY_SCOPES, ...options() }, controllers: [ExportController] }));
  /** Sends one request of the client from its own connection (a connection answers in order). */
  const send = (a: ThrottledApp, path: string, n: number, extra: Record<string, string> = {}) =>
    a.get(path, { ...user, ...extra }, `127.0.0.${10 + n}`);
  beforeEach(() => {
    user = { 'x-user': `${platform}-${process.pid}-${++users}` };
    entered = 0;
    gate = new Promise((resolve) => (open = resolve));
  });
  afterEach(async () => {
    open();
    await app?.close();
    app = undefined;
  });

  it('admits N in flight, never N+1, refusing with the concurrent-requests headers; the leases come back when responses finish', async () => {
    const a = await start();
    const answers: { status: number; headers: Record<string, string | undefined>; body: any }[] = [];
    const inFlight = [1, 2, 3, 4].map((n) => send(a, '/export', n).then((r) => (answers.push(r), r)));
    await waitFor('the requests beyond the limit to be refused', () => answers.length === 2);
    expect(answers.map((r) => r.status)).toEqual([429, 429]);
    expect(entered).toBe(2);
    const refused = answers[0];
    expect(refused.headers['ratelimit-policy']).toBe(CONCURRENT);
    expect(refused.headers['ratelimit']).toBe('"export";r=0');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ statusCode: 429, scope: 'export', retryAfter: 1 });
    open();
    expect((await Promise.all(inFlight)).map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
    const after = await send(a, '/export', 1);
    expect(after.status).toBe(200);
    expect(after.headers['ratelimit-policy']).toBe(CONCURRENT);
    expect(after.headers['ratelimit']).toBe('"export";r=1');
  });

  it('a request refused by concurrency consumes nothing from the rate; both policies on admitted responses', async () => {
    const a = await start();
    const held = send(a, '/both', 1);
    await waitFor('the first request in its handler', () => entered === 1);
    expect(
      await statuses(a.get, [
        ['/both', user, '127.0.0.12'],
        ['/both', user, '127.0.0.13'],
      ]),
    ).toEqual([429, 429]);
    open();
    const first = await held;
    expect(first.headers['ratelimit-policy']).toBe('"both";q=3;w=60, "both";q=1;qu="concurrent-requests"');
    expect(first.headers['ratelimit']).toBe('"both";r=2;t=60, "both";r=0');
    expect(
      await statuses(a.get, [
        ['/both', user],
        ['/both', user],
      ]),
    ).toEqual([200, 200]); // the rate's 2nd and 3rd
    const overRate = await send(a, '/both', 1);
    expect(overRate.status).toBe(429);
    expect(overRate.headers['ratelimit-policy']).toBe('"both";q=3;w=60');
  });

  it('a failing handler gives its lease back', async () => {
    const a = await start();
    open();
    expect(
      await statuses(a.get, [
        ['/both', { ...user, 'x-fail': '1' }],
        ['/both', user],
      ]),
    ).toEqual([500, 200]);
  });

  it('a request the rate refuses gives its lease back at once', async () => {
    const a = await start();
    const [first, overRate] = [await send(a, '/strict', 1), await send(a, '/strict', 1)];
    expect(first.headers['ratelimit-policy']).toBe('"strict";q=1;w=60, "single";q=1;qu="concurrent-requests"');
    expect([first.status, overRate.status, overRate.headers['ratelimit-policy']]).toEqual([200, 429, '"strict";q=1;w=60']);
    expect((await send(a, '/single', 1)).status).toBe(200); // the same lease scope: a lease leaked by the refusal would refuse it
  });

  it('a client gone mid-request gives its lease back', async () => {
    const a = await start();
    const abort = new AbortController();
    const url = `${await a.app.getUrl()}/export`.replace('[::1]', '127.0.0.1');
    const gone = request(url, { headers: user, signal: abort.signal }).catch(() => 'aborted');
    const second = send(a, '/export', 2);
    await waitFor('both leases held', () => entered === 2);
    expect((await send(a, '/export', 3)).status).toBe(429);
    abort.abort();
    expect(await gone).toBe('aborted');
    await waitFor('the aborted request to give its lease back', async () => {
      const entry = new Promise<number>((resolve) => (onEnter = () => resolve(200)));
      return (await Promise.race([send(a, '/export', 4).then((r) => r.status), entry])) === 200;
    });
    onEnter = undefined;
    open();
    expect((await second).status).toBe(200);
  });

  it('a lease never released expires after leaseMs', async () => {
    const a = await start();
    const held = [send(a, '/export', 1), send(a, '/export', 2)];
    await waitFor('both leases held', () => entered === 2);
    expect((await send(a, '/export', 3)).status).toBe(429);
    a.clock.advance(5_000);
    const third = send(a, '/export', 4);
    await waitFor('a request admitted past the expired leases', () => entered === 3);
    open();
    expect((await Promise.all([...held, third])).map((r) => r.status)).toEqual([200, 200, 200]);
  });
}
