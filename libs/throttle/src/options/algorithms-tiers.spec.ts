import { normalizeOptions } from './normalize-options';

const problemsOf = (scopes: Record<string, unknown>) => normalizeOptions({ scopes } as any).problems;
const scopeOf = (spec: unknown) => normalizeOptions({ scopes: { api: spec } } as any).scopes.get('api')!;

describe('scope options: algorithm, burst, cost, tiers', () => {
  it('compiles the issue YAML: a gcra scope with its burst, and tiers read from user.plan', () => {
    const hi = scopeOf({ rate: '10/s', algorithm: 'gcra', burst: 3 });
    expect(hi).toMatchObject({ algorithm: 'gcra', limit: 10, windowMs: 1_000, burst: 3, cost: 1, maxCost: 3, keyEnd: '}:gcra' });
    const api = scopeOf({ rate: '100/hour', key: 'header:x-api-key', tier: 'user:plan', tiers: { pro: '10000/hour', free: '20/hour' } });
    expect(api).toMatchObject({ algorithm: 'sliding-log', burst: undefined, maxCost: 20, keyEnd: '}' });
    expect(api.tier!.rateOf({ user: { plan: 'pro' } }, undefined)).toEqual({
      limit: 10_000,
      windowMs: 3_600_000,
      burst: undefined,
      policy: '"api";q=10000;w=3600',
    });
    expect(api.tier!.rateOf({ user: { plan: 'gold' } }, undefined)).toBeUndefined();
    expect(api.tier!.rateOf({}, undefined)).toBeUndefined();
    expect(api.tier!.beforeGuards).toBe(false);
  });

  it('GCRA burst defaults to each rate’s own limit', () => {
    const api = scopeOf({ rate: '10/s', algorithm: 'gcra', tier: 'user:plan', tiers: { pro: '50/s' } });
    expect(api.burst).toBe(10);
    expect(api.tier!.rateOf({ user: { plan: 'pro' } }, undefined)?.burst).toBe(50);
  });

  it('stops boot on a mistyped algorithm, a bad burst or cost, and an oversized cost, naming each', () => {
    expect(problemsOf({ hi: { rate: '10/s', algorithm: 'leaky' } })).toEqual([
      'scope "hi" algorithm "leaky" must be one of sliding-log, gcra, fixed-window',
    ]);
    expect(problemsOf({ hi: { rate: '10/s', algorithm: 'gcra', burst: 0 } })).toEqual([
      'scope "hi" burst must be a whole number from 1 to 1000000, got 0',
    ]);
    expect(problemsOf({ hi: { rate: '10/s', algorithm: 'gcra', burst: '3' } })).toEqual([
      'scope "hi" burst must be a whole number from 1 to 1000000, got "3"',
    ]);
    expect(problemsOf({ hi: { rate: '10/s', burst: 3 } })).toEqual([
      'scope "hi" burst applies to algorithm gcra only (add algorithm: gcra)',
    ]);
    expect(problemsOf({ hi: { rate: '10/s', cost: 1.5 } })).toEqual(['scope "hi" cost must be a whole number from 1 to 1000000, got 1.5']);
    expect(problemsOf({ hi: { rate: '10/s', cost: 11 } })).toEqual(['scope "hi" cost 11 exceeds its limit 10']);
    expect(problemsOf({ hi: { rate: '10/s', algorithm: 'gcra', burst: 2, cost: 3 } })).toEqual(['scope "hi" cost 3 exceeds its burst 2']);
    expect(problemsOf({ hi: { rate: '1/d', algorithm: 'gcra', burst: 400 } })).toEqual([
      'scope "hi": burst 400 takes 400 days to refill at this rate (at most 366)',
    ]);
    expect(problemsOf({ hi: { rate: '1/d', algorithm: 'gcra', burst: 366, tier: 'user:plan', tiers: { slow: '1/2d' } } })).toEqual([
      'scope "hi" tier "slow": burst 366 takes 732 days to refill at this rate (at most 366)',
    ]);
  });

  it('stops boot on an unknown tier rate, tiers without a tier, a bad tier source, naming each', () => {
    expect(problemsOf({ api: { rate: '100/h', tier: 'user:plan', tiers: { pro: '10000/hr' } } })).toEqual([
      'scope "api" tier "pro" rate "10000/hr": unknown period "hr" (use s, m, h, d, e.g. 100/30d): did you mean "10000/h"?',
    ]);
    expect(problemsOf({ api: { rate: '100/h', tiers: { pro: '1000/h' } } })).toEqual([
      'scope "api" has tiers but no tier: say where the tier is read, e.g. tier: "user:plan"',
    ]);
    expect(problemsOf({ api: { rate: '100/h', tier: 'cookie:plan', tiers: {} } })).toEqual([
      'scope "api" tier "cookie:plan" is not one of user:<field>, header:<name>, query:<name> or a function',
    ]);
    expect(problemsOf({ api: { rate: '100/h', tier: 'user:plan', tiers: ['pro'] } })[0]).toMatch(/tiers must map tier names to rates/);
    expect(problemsOf({ api: { rate: '100/h', cost: 30, tier: 'user:plan', tiers: { free: '20/h' } } })).toEqual([
      'scope "api" tier "free": cost 30 exceeds its limit 20',
    ]);
  });

  it('refuses a tier the client chooses (header, query) that would raise its budget', () => {
    const problems = problemsOf({ api: { rate: '100/h', tier: 'header:x-plan', tiers: { pro: '10000/h', slow: '10/h' } } });
    expect(problems).toEqual([
      'scope "api" tier "pro" is above the scope\'s rate, but the tier is read from header:x-plan, which the client chooses: read it from user:<field> or a function that verifies it',
    ]);
    // A faster rate with the same limit is above too, and so is a larger limit over a longer period.
    expect(problemsOf({ api: { rate: '100/h', tier: 'query:plan', tiers: { fast: '100/m' } } })).toHaveLength(1);
    expect(problemsOf({ api: { rate: '100/h', tier: 'query:plan', tiers: { big: '200/2h' } } })).toHaveLength(1);
    const lower = scopeOf({ rate: '100/h', tier: 'header:x-plan', tiers: { slow: '10/h' } });
    expect(lower.tier!.beforeGuards).toBe(true);
    expect(lower.tier!.rateOf({ headers: { 'x-plan': 'slow' } }, undefined)?.limit).toBe(10);
  });

  it('a tier function may return a tier name or a rate string; a bad rate falls back to the scope rate, a throw is a ThrottleHookError', () => {
    const api = scopeOf({ rate: '100/h', cost: 2, tier: (req: any) => req.plan, tiers: { pro: '1000/h' } });
    expect(api.tier!.rateOf({ plan: 'pro' }, undefined)?.limit).toBe(1_000);
    expect(api.tier!.rateOf({ plan: '5/s' }, undefined)).toMatchObject({ limit: 5, windowMs: 1_000 });
    expect(api.tier!.rateOf({ plan: '1/s' }, undefined)).toBeUndefined(); // cost 2 never fits in 1
    expect(api.tier!.rateOf({ plan: 'bananas' }, undefined)).toBeUndefined();
    const throwing = scopeOf({
      rate: '100/h',
      tier: () => {
        throw new Error('boom');
      },
    });
    // issue 17 #2: a throwing tier function is the request's error (the decider logs it and answers 500), not a silent fallback.
    expect(() => throwing.tier!.rateOf({}, undefined)).toThrow(expect.objectContaining({ hook: 'tier', scope: 'api' }));
  });
});
