// Issue 17's cases that are HTTP/module behaviour, as fixed examples of the model suite: each sequence
// goes through the real app and is compared, response by response, with the model (model-check.ts).
// Each failed on main (bcfb825) and passes with combos-core's fixes; see the names.
import { Logger } from '@nestjs/common';
import { freePort, startRedis, StartedRedis } from '../../libs/testkit/src';
import { PLATFORMS } from '../support/apps/platforms';
import { describeRedis } from '../support/redis/harness';
import type { StoreSpec } from './model-app';
import { startModelApp } from './model-app';
import type { ModelCase, ModelScope, ModelStep } from './model-config';
import { checkCase } from './model-check';

/** A scope with the generator's defaults: sliding log, enforced, keyed by IP, nothing skipped. */
const scope = (name: string, limit: number, windowMs: number, more: Partial<ModelScope> = {}): ModelScope => ({
  name,
  rate: { limit, windowMs },
  algorithm: 'sliding-log',
  shadow: false,
  key: 'ip',
  allow: false,
  skipIf: false,
  ...more,
});
const times = (n: number, step: Partial<ModelStep> = {}): ModelStep[] =>
  Array.from({ length: n }, () => ({ advanceMs: 0, route: 0, client: 0, ...step }));

/** #1: a client-chosen tier with a shorter window must not wipe the scope's log (sliding log and GCRA). */
const clientTierWindows = (algorithm: ModelScope['algorithm']): ModelCase => ({
  config: {
    scopes: [scope('api', 5, 60_000, { algorithm, tier: { source: 'header', tiers: { trial: { limit: 1, windowMs: 20_000 } } } })],
    routes: [{ scopes: ['api'] }],
    onThrottled: 'default',
  },
  steps: [...times(4), { advanceMs: 25_000, route: 0, client: 0, plan: 'trial' }, ...times(4), ...times(2, { plan: 'trial' })],
});

/** #1: a user the server moves to a tier with a shorter window keeps the base window's history. */
const serverTierWindows: ModelCase = {
  config: {
    scopes: [scope('api', 5, 60_000, { tier: { source: 'user', tiers: { pro: { limit: 2, windowMs: 1_000 } } } })],
    routes: [{ scopes: ['api'] }],
    onThrottled: 'default',
  },
  steps: [...times(6), { advanceMs: 2_000, route: 0, client: 0, userPlan: 'pro' }, ...times(3)],
};

/** #2: `onThrottled` throwing is that request's 500 (the fast lane too, with a store answering asynchronously). */
const throwingOnThrottled: ModelCase = {
  config: { scopes: [scope('hi', 1, 1_000)], routes: [{ scopes: ['hi'] }], onThrottled: 'custom' },
  steps: [...times(1), ...times(2, { boom: 'onThrottled' }), ...times(1), { advanceMs: 1_000, route: 0, client: 0 }],
};

/** #3 and #9: a shadow scope decides no 429 and sends no headers; the enforced one alone does. */
const shadowBeside: ModelCase = {
  config: {
    scopes: [scope('fast', 1, 1_000), scope('trial', 1, 3_600_000, { shadow: true })],
    routes: [{ scopes: ['fast', 'trial'] }, { scopes: ['trial'] }],
    onThrottled: 'default',
  },
  steps: [
    ...times(1),
    { advanceMs: 1_000, route: 0, client: 0 },
    ...times(1),
    ...times(3, { route: 1 }),
    { advanceMs: 1_000, route: 0, client: 0 },
  ],
};

/** #4: with the shared store down under `deny`, a shadow-only route answers 200 and the enforced one 503. */
const shadowStoreDown: ModelCase = { config: shadowBeside.config, steps: [...times(2, { route: 1 }), ...times(1)] };

const EXAMPLES: [string, ModelCase][] = [
  ['#1 a client tier with a shorter window leaves the sliding log whole', clientTierWindows('sliding-log')],
  ['#1 a client tier with a shorter window adds no GCRA burst', clientTierWindows('gcra')],
  ['#1 a server tier with a shorter window loses no history', serverTierWindows],
  ['#2 a throwing onThrottled is a 500, and the app keeps answering', throwingOnThrottled],
  ['#3 #9 a shadow scope neither refuses nor shows in headers', shadowBeside],
];

describe.each(PLATFORMS)('issue 17 regression seeds of the model suite, memory store, %s', (platform) => {
  it.each(EXAMPLES)('%s', (_, c) => checkCase(c, platform, { kind: 'memory' }));

  it('#11 @ThrottleCost(9) on a limit-5 scope stops boot, with no ERROR line saying the opposite', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const config: ModelCase['config'] = {
        scopes: [scope('hi', 5, 1_000)],
        routes: [{ scopes: ['hi'], cost: 9 }],
        onThrottled: 'default',
      };
      await expect(startModelApp(config, platform, { kind: 'memory' }, 'regressions:')).rejects.toThrow(
        /@ThrottleCost\(9\) on ModelController\.r0 exceeds scope "hi"'s limit 5/,
      );
      expect(error.mock.calls.map((call) => String(call[0])).filter((line) => /own cost used/.test(line))).toEqual([]);
    } finally {
      error.mockRestore();
    }
  });
});

describeRedis('issue 17 regression seeds of the model suite, one Redis', () => {
  let server: StartedRedis;
  beforeAll(async () => (server = await startRedis()));
  afterAll(() => server?.cleanup());
  const redis = (): StoreSpec => ({ kind: 'redis', url: server.url });

  describe.each(PLATFORMS)('%s', (platform) => {
    it.each(EXAMPLES)('%s', (_, c) => checkCase(c, platform, redis()));

    it('#4 a shadow-only route answers 200 with Redis down under deny; an enforced one 503', async () => {
      const url = `redis://127.0.0.1:${await freePort()}/0`; // nothing listens there
      await checkCase(shadowStoreDown, platform, { kind: 'down', url });
    });
  });
});
