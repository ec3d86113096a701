// Issue 17 #3, #4 and #9 over every platform: shadow scopes are invisible to clients. They never
// refuse (not even when the store cannot decide under onStoreError 'deny'), send no headers, and
// never decide an enforced refusal's headers, body, onThrottled facts or metrics label; they are
// counted as shadow_throttled and logged at debug level.
import { Controller, Get, Logger } from '@nestjs/common';
import {
  ThrottleDecision,
  ThrottleMetrics,
  ThrottleModuleOptions,
  ThrottleRequest,
  ThrottleScope,
  ThrottleStorage,
  ThrottleStoreUnavailableError,
} from 'nest-scoped-throttle';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class ShadowedController {
  @ThrottleScope('fast', 'trial') @Get('both') both() {
    return 'both';
  }
  @ThrottleScope('trial') @Get('shadow-only') shadowOnly() {
    return 'shadow-only';
  }
}

const scopes: ThrottleModuleOptions['scopes'] = { fast: '1/s', trial: { rate: '1/hour', mode: 'shadow' } };

/** A shared store that cannot decide: what the Redis store's failure policy throws under onStoreError 'deny'. */
class UnavailableStorage extends ThrottleStorage {
  consume(_request: ThrottleRequest): Promise<ThrottleDecision> {
    return Promise.reject(new ThrottleStoreUnavailableError('The redis throttle store is unavailable (onStoreError: deny)'));
  }
}

const rateLimitHeaders = (headers: Record<string, string | undefined>) => Object.keys(headers).filter((h) => /ratelimit/.test(h));

describe.each(PLATFORMS)('issue 17: shadow scopes are invisible over %s', (platform) => {
  let app: ThrottledApp | undefined;
  const start = async (throttle: Partial<ThrottleModuleOptions> = {}) =>
    (app = await startThrottled(platform, { throttle: { scopes, metrics: true, ...throttle }, controllers: [ShadowedController] }));
  afterEach(async () => {
    jest.restoreAllMocks();
    await app?.close();
    app = undefined;
  });
  const decisions = async () =>
    (await app!.app.get(ThrottleMetrics).registry.getSingleMetricAsString('throttle_decisions_total')).split('\n');

  it('issue 17 #3: a shadow scope does not decide an enforced 429', async () => {
    const facts: unknown[] = [];
    const a = await start({ onThrottled: (r) => (facts.push([r.scope, r.limit, r.retryAfter]), { refusedBy: r.scope }) });
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const first = await a.get('/both');
    expect(first.status).toBe(200);
    expect(first.headers).toMatchObject({ ratelimit: '"fast";r=0;t=1', 'ratelimit-policy': '"fast";q=1;w=1', 'x-ratelimit-limit': '1' });
    const refused = await a.get('/both'); // both scopes refuse: fast for a second, trial (shadow) for an hour
    expect(refused.status).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '1', ratelimit: '"fast";r=0;t=1', 'x-ratelimit-reset': '1' });
    expect(refused.body).toEqual({ refusedBy: 'fast' });
    expect(facts).toEqual([['fast', 1, 1]]);
    expect(await decisions()).toEqual(
      expect.arrayContaining([
        'throttle_decisions_total{scope="fast",result="throttled"} 1',
        'throttle_decisions_total{scope="trial",result="shadow_throttled"} 1',
      ]),
    );
    expect(debug.mock.calls.filter(([line]) => /shadow scope "trial"/.test(String(line)))).toHaveLength(1);
    a.clock.advance(1_000); // waiting exactly Retry-After is enough
    expect((await a.get('/both')).status).toBe(200);
  });

  it('issue 17 #9: a shadow scope sends no headers, admitted or over its limit', async () => {
    const a = await start();
    const responses = [await a.get('/shadow-only'), await a.get('/shadow-only'), await a.get('/both')];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(rateLimitHeaders(responses[0].headers)).toEqual([]);
    expect(rateLimitHeaders(responses[1].headers)).toEqual([]);
    expect(responses[2].headers['ratelimit']).toBe('"fast";r=0;t=1'); // no "trial" entry
    expect(responses[2].headers['ratelimit-policy']).toBe('"fast";q=1;w=1');
  });

  it('issue 17 #4: a shadow-only route is not refused when the store cannot decide (deny); an enforced one answers 503 as alone', async () => {
    const a = await start({ storage: new UnavailableStorage() });
    expect(await statuses(a.get, [['/shadow-only'], ['/shadow-only']])).toEqual([200, 200]);
    expect(await statuses(a.get, [['/both']])).toEqual([503]);
  });

  it('a shadow refusal still lets the enforced scopes decide and record alone', async () => {
    const a = await start({ scopes: { fast: '2/s', trial: { rate: '1/hour', mode: 'shadow' } } });
    expect(await statuses(a.get, [['/both'], ['/both'], ['/both']])).toEqual([200, 200, 429]);
  });
});
