import { request } from 'undici';
import { writeConfig } from '../support/apps/demo-app';
import { describeRedis } from '../support/redis/harness';
import { flood } from '../support/http-probes';
import { DemoProcess, StartedRedis, startDemoProcess, startRedis } from '../../libs/testkit/src';

// GCRA and request cost on Redis, across processes: the built demo with WORKERS=6 on a private Redis.
// The rates are slow (3/minute: one unit every 20 s), so a flood fits well inside one interval and
// exactly the burst (and, at cost 5, exactly burst / 5 requests) is admitted, whichever worker decides.
// The bursts differ from the rates' N, so a store deciding by the sliding log, or ignoring the cost,
// would admit 3 on both routes.
const CONFIG = `scopes:
  hi: 60/minute
  api_key:
    rate: 1/s
    key: query:api_key
  burst:
    rate: 3/minute
    algorithm: gcra
    burst: 2
  plan:
    rate: 3/minute
    key: ip
    algorithm: gcra
    burst: 10
`;
const FLOOD = 100;

describeRedis('GCRA on Redis across 6 workers: exact bursts and costs', () => {
  let redis: StartedRedis;
  let demo: DemoProcess | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    // A generous store timeout, as in many-processes.e2e-spec.ts: a loaded 2-core machine must not
    // send requests to the `local` fallback, which would decide per process.
    demo = await startDemoProcess({
      WORKERS: '6',
      THROTTLE_STORE: 'redis',
      REDIS_URL: `${redis.url}/1`,
      THROTTLE_CONFIG: writeConfig(CONFIG),
      THROTTLE_STORE_TIMEOUT_MS: '2000',
    });
  }, 60_000);
  afterAll(async () => {
    await demo?.stop();
    await redis?.cleanup();
  });

  it('boots 6 workers on Redis with the GCRA scopes', () => {
    expect(demo!.bootLine).toContain('| workers 6 |');
    expect(demo!.bootLine).toContain('burst=3/minute (key ip, gcra, burst 2)');
    expect(demo!.bootLine).toContain('plan=3/minute (key ip, gcra, burst 10, GET /report costs 5)');
  });

  it(`GET /burst: exactly the burst (2) of ${FLOOD} concurrent requests admitted; the next in one interval (20 s)`, async () => {
    expect(await flood(demo!.url, '/burst', FLOOD)).toEqual({ 200: 2, 429: FLOOD - 2 });
    const refused = await request(`${demo!.url}/burst`);
    await refused.body.dump();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['ratelimit-policy']).toBe('"burst";q=3;w=60');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20); // one emission interval, not the 60 s a sliding log would say
  });

  it(`GET /report (cost 5, burst 10): exactly 2 of ${FLOOD} concurrent requests admitted, and nothing is left for GET /plan`, async () => {
    expect(await flood(demo!.url, '/report', FLOOD)).toEqual({ 200: 2, 429: FLOOD - 2 });
    expect(await flood(demo!.url, '/plan', 20)).toEqual({ 429: 20 });
  });
});
