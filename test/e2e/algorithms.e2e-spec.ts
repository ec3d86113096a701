// GCRA scopes, client tiers and request cost over every platform, on the memory store (the Redis
// and Cluster stores pass the same storage conformance suite: test/redis/conformance.spec.ts).
import { Controller, Get, Logger } from '@nestjs/common';
import { ThrottleConfigError, ThrottleCost, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { PLATFORMS, RequestSpec, statuses } from '../support/apps/platforms';
import { asClient, authenticateWithPlan, IssueController } from '../support/apps/issue-app';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class SelfDeclaredController {
  @ThrottleScope('by_header') @Get('self-declared') selfDeclared() {
    return 'ok';
  }
}

@Controller()
class CostNineController {
  @ThrottleScope('five') @ThrottleCost(9) @Get('nine') nine() {
    return 'nine';
  }
}

@Controller()
class OversizedCostController {
  @ThrottleScope('hi') @ThrottleCost(4) @Get('heavy') heavy() {
    return 'heavy';
  }
}

/** The issue's YAML, as options. */
const scopes: ThrottleModuleOptions['scopes'] = {
  hi: { rate: '10/s', algorithm: 'gcra', burst: 3 },
  api: { rate: '10/hour', key: 'header:x-api-key', tier: 'user:plan', tiers: { pro: '100/hour', free: '5/hour' } },
  by_header: { rate: '4/hour', tier: 'header:x-plan', tiers: { slow: '2/hour' } },
};

const repeat = (n: number, path: string, headers: Record<string, string> = {}) => Array.from({ length: n }, () => [path, headers] as const);

describe.each(PLATFORMS)('algorithms, tiers and cost over %s', (platform) => {
  let app: ThrottledApp | undefined;
  const start = async (controllers: Function[] = [IssueController, SelfDeclaredController]) =>
    (app = await startThrottled(platform, { throttle: { scopes }, controllers: controllers as any, beforeGuards: authenticateWithPlan }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('gcra: a flood of 20 admits exactly the burst; after k intervals, k more; truthful headers', async () => {
    const a = await start();
    const first = await a.get('/hi');
    expect(first.headers).toMatchObject({ 'ratelimit-policy': '"hi";q=10;w=1', ratelimit: '"hi";r=2;t=1', 'x-ratelimit-limit': '10' });
    const flood = await statuses(a.get, repeat(19, '/hi'));
    expect(flood.filter((s) => s === 200)).toHaveLength(2);
    const refused = await a.get('/hi');
    expect(refused.status).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '1', ratelimit: '"hi";r=0;t=1' });
    a.clock.advance(200); // two intervals of 100 ms
    expect(await statuses(a.get, repeat(3, '/hi'))).toEqual([200, 200, 429]);
  });

  it('tiers: the user’s plan picks the rate; unknown plans and anonymous clients get the scope’s', async () => {
    const a = await start();
    const pro = asClient('k-pro', 'pro');
    const free = asClient('k-free', 'free');
    const gold = asClient('k-gold', 'gold');
    expect((await a.get('/api', pro)).headers).toMatchObject({ 'ratelimit-policy': '"api";q=100;w=3600', 'x-ratelimit-remaining': '99' });
    expect((await statuses(a.get, repeat(6, '/api', free))).filter((s) => s === 200)).toHaveLength(5);
    expect((await statuses(a.get, repeat(11, '/api', gold))).filter((s) => s === 200)).toHaveLength(10);
    expect((await statuses(a.get, repeat(11, '/api', { 'x-api-key': 'anon' }))).filter((s) => s === 200)).toHaveLength(10);
  });

  it('a client that changes tier keeps its counter: admissions count against the new rate', async () => {
    const a = await start();
    const as = (plan: string) => asClient('k-1', plan);
    expect(await statuses(a.get, repeat(5, '/api', as('free')))).toEqual([200, 200, 200, 200, 200]);
    expect((await a.get('/api', as('free'))).status).toBe(429);
    const upgraded = await a.get('/api', as('pro'));
    expect(upgraded.status).toBe(200);
    expect(upgraded.headers['x-ratelimit-remaining']).toBe('94'); // 100 - the 5 already used - this one
    expect((await a.get('/api', as('free'))).status).toBe(429); // back to free: 6 used, limit 5
  });

  it('a tier the client declares in a header can only lower its rate, and rotating it resets nothing', async () => {
    const a = await start();
    const declaring = ['slow', 'gold', 'pro', '', 'slow', 'x'].map((plan): RequestSpec => [
      '/self-declared',
      plan ? { 'x-plan': plan } : {},
    ]);
    expect(await statuses(a.get, declaring)).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('cost: @ThrottleCost(5) consumes 5 units of the scope, atomically', async () => {
    const a = await start();
    const key = { 'x-api-key': 'k-cost' };
    const costly = await a.get('/export', key);
    expect(costly.headers['x-ratelimit-remaining']).toBe('5');
    expect((await a.get('/export', key)).status).toBe(200);
    const refused = await a.get('/export', key);
    expect(refused.status).toBe(429);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect((await a.get('/api', key)).status).toBe(429); // nothing was taken by the refusal, and nothing is left
  });

  it('a cost above a scope’s burst stops boot, naming the handler and the scope', async () => {
    await expect(start([OversizedCostController])).rejects.toThrow(ThrottleConfigError);
    await expect(start([OversizedCostController])).rejects.toThrow(
      /@ThrottleCost\(4\) on OversizedCostController\.heavy exceeds scope "hi"'s burst 3/,
    );
  });

  it('issue 17 #11: @ThrottleCost(9) on a limit-5 scope stops boot, and no log line says the opposite', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const boot = startThrottled(platform, { throttle: { scopes: { five: '5/m' } }, controllers: [CostNineController] });
      await expect(boot).rejects.toThrow(/@ThrottleCost\(9\) on CostNineController\.nine exceeds scope "five"'s limit 5/);
      expect(errors.mock.calls.filter(([line]) => /own cost used/.test(String(line)))).toEqual([]);
    } finally {
      errors.mockRestore();
    }
  });
});
