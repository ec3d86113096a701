import { Pool } from 'undici';
import { DemoProcess, StartedRedis, startDemoProcess, startRedis } from '../../libs/testkit/src';
import { describeRedis } from '../support/redis/harness';

const FLOOD = 1_000;
const RATE = 'api_key=5/m';

/** Sends `FLOOD` concurrent GET /?api_key=1234 spread over `urls` (many connections each); counts statuses. */
async function flood(urls: string[]): Promise<Record<number, number>> {
  const pools = urls.map((url) => new Pool(url, { connections: 60 }));
  try {
    const statuses = await Promise.all(
      Array.from({ length: FLOOD }, async (_, i) => {
        const res = await pools[i % pools.length].request({ method: 'GET', path: '/?api_key=1234' });
        await res.body.dump();
        return res.statusCode;
      }),
    );
    const counts: Record<number, number> = {};
    for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
    return counts;
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}

describeRedis('many processes, one limit (the bug the Redis store fixes)', () => {
  let redis: StartedRedis;
  const running: DemoProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop()));
  });
  afterAll(async () => {
    await redis?.cleanup();
  });

  // Each test uses its own logical database of the private server, so their logs never meet.
  let db = 0;
  // These tests are about exactness, not timeouts: a generous store timeout keeps a loaded CI machine
  // (6 Node processes and the flood on 2 cores) from sending requests to the `local` fallback.
  const redisEnv = () => ({
    THROTTLE_STORE: 'redis',
    REDIS_URL: `${redis.url}/${++db}`,
    THROTTLE_RATES: RATE,
    THROTTLE_STORE_TIMEOUT_MS: '2000',
  });

  it('WORKERS=6 on Redis: exactly 5 of 1000 concurrent requests admitted', async () => {
    const demo = await startDemoProcess({ ...redisEnv(), WORKERS: '6' });
    running.push(demo);
    expect(demo.bootLine).toContain('workers 6');
    const counts = await flood([demo.url]);
    expect(counts).toEqual({ 200: 5, 429: FLOOD - 5 });
  });

  it('6 single-worker replicas on separate ports sharing Redis: exactly 5 admitted', async () => {
    const env = redisEnv();
    const replicas = await Promise.all(Array.from({ length: 6 }, () => startDemoProcess(env)));
    running.push(...replicas);
    const counts = await flood(replicas.map((r) => r.url));
    expect(counts).toEqual({ 200: 5, 429: FLOOD - 5 });
  });

  it('WORKERS=6 on the memory store over-admits: each worker keeps its own count', async () => {
    const demo = await startDemoProcess({ WORKERS: '6', THROTTLE_RATES: RATE });
    running.push(demo);
    const counts = await flood([demo.url]);
    expect(counts[200]).toBeGreaterThan(5);
    expect(counts[200]).toBeLessThanOrEqual(30);
    expect(counts[200] + counts[429]).toBe(FLOOD);
  });
});
