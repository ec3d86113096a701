// Issue 17 #1 over every platform, on the memory store: a tier the client chooses is decided
// beside the scope's own rate (it can only lower what the client gets, in any window of either), a
// tier the server chooses replaces the rate without losing history, and a scope decided under two
// rules sends one header entry, the more restrictive rule's. (Redis and Cluster: test/redis/tiers-exact.spec.ts.)
import { Controller, Get } from '@nestjs/common';
import { ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class TieredController {
  @ThrottleScope('api') @Get('api') api() {
    return 'api';
  }
  @ThrottleScope('meter') @Get('meter') meter() {
    return 'meter';
  }
  @ThrottleScope('account') @Get('account') account() {
    return 'account';
  }
}

/** The scopes (smaller numbers): a client tier with a shorter window, GCRA `slow: 5/5h` on `10/hour`, a server tier. */
const tieredScopes: ThrottleModuleOptions['scopes'] = {
  api: { rate: '5/hour', tier: 'header:x-plan', tiers: { trial: '1/15m' } },
  meter: { rate: '10/hour', algorithm: 'gcra', tier: 'header:x-plan', tiers: { slow: '5/5h' } },
  account: { rate: '5/hour', tier: 'user:plan', tiers: { fast: '2/minute' } },
};

const authenticate = (req: any): void => {
  if (req.headers['x-user-plan']) req.user = { id: 'u1', plan: req.headers['x-user-plan'] };
};
const repeat = (n: number, path: string, headers: Record<string, string> = {}) => Array.from({ length: n }, () => [path, headers] as const);
const trial = { 'x-plan': 'trial' };
const slow = { 'x-plan': 'slow' };

describe.each(PLATFORMS)('issue 17: tiers stay exact over %s', (platform) => {
  let app: ThrottledApp | undefined;
  const start = async () =>
    (app = await startThrottled(platform, {
      throttle: { scopes: tieredScopes },
      controllers: [TieredController],
      beforeGuards: authenticate,
    }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('issue 17 #1: a client tier with a shorter window does not wipe the base log', async () => {
    const a = await start();
    expect(await statuses(a.get, repeat(4, '/api'))).toEqual([200, 200, 200, 200]);
    a.clock.advance(960_000);
    const tiered = await a.get('/api', trial); // the base's 5th of the hour, the trial's 1st of its 15 minutes
    expect(tiered.status).toBe(200);
    // Both rules have 0 left: the entry describes the one that resets later (the base), not the tier.
    expect(tiered.headers).toMatchObject({ ratelimit: '"api";r=0;t=2640', 'ratelimit-policy': '"api";q=5;w=3600' });
    expect(await statuses(a.get, repeat(3, '/api'))).toEqual([429, 429, 429]); // before the fix: 200s (the log was trimmed to 15 min)
    const refused = await a.get('/api', trial); // both rules refuse: the one that frees up last
    expect(refused.headers).toMatchObject({ 'retry-after': '2640', ratelimit: '"api";r=0;t=2640' });
    a.clock.advance(2_640_000);
    expect((await a.get('/api')).status).toBe(200);
  });

  it('issue 17 #1: a trial-only client gets its tier’s rate; the one header entry and Retry-After name the rule that refuses', async () => {
    const a = await start();
    const first = await a.get('/api', trial);
    expect(first.headers).toMatchObject({ ratelimit: '"api";r=0;t=900', 'ratelimit-policy': '"api";q=1;w=900', 'x-ratelimit-limit': '1' });
    const refused = await a.get('/api', trial);
    expect(refused.status).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '900', ratelimit: '"api";r=0;t=900', 'ratelimit-policy': '"api";q=1;w=900' });
    expect(refused.body).toMatchObject({ scope: 'api', retryAfter: 900 });
    a.clock.advance(900_000); // waiting exactly Retry-After is enough
    expect((await a.get('/api', trial)).status).toBe(200);
    expect((await a.get('/api')).headers).toMatchObject({ ratelimit: '"api";r=2;t=2700', 'ratelimit-policy': '"api";q=5;w=3600' });
  });

  it('issue 17 #1: GCRA slow 5/5h on 10/hour gives no burst of 14, and a slow-only client gets 5', async () => {
    const a = await start();
    expect((await statuses(a.get, repeat(10, '/meter'))).filter((s) => s === 200)).toHaveLength(10);
    expect(await statuses(a.get, repeat(4, '/meter', slow))).toEqual([429, 429, 429, 429]); // before the fix: 4 more
    a.clock.advance(6 * 60_000); // one base interval: one more, whatever the header says
    expect(await statuses(a.get, [['/meter', slow], ['/meter']])).toEqual([200, 429]);
  });

  it('issue 17 #1: GCRA: a client sending only the slow tier is held to it (own cell, not the base’s)', async () => {
    const a = await start();
    expect(await statuses(a.get, repeat(6, '/meter', slow))).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await statuses(a.get, repeat(6, '/meter'))).toEqual([200, 200, 200, 200, 200, 429]); // the base had 5 of 10 left
  });

  it('issue 17 #1: a user the server moves to a tier with a shorter window keeps the base’s history', async () => {
    const a = await start();
    const base = { 'x-user-plan': 'basic' };
    const fast = { 'x-user-plan': 'fast' };
    expect(await statuses(a.get, repeat(5, '/account', base))).toEqual([200, 200, 200, 200, 200]);
    a.clock.advance(61_000);
    expect(await statuses(a.get, repeat(3, '/account', fast))).toEqual([200, 200, 429]); // its own rate: 2 a minute
    const back = await a.get('/account', base); // 7 in the hour: before the fix the fast tier had trimmed the log
    expect(back.status).toBe(429);
    expect(back.headers['retry-after']).toBe('3539');
  });
});
