// Regression (issue 9, item 3): under onStoreError=local, every process used to apply the full limit from
// its own memory, so WORKERS=2 admitted up to 2× the limit while Redis was down. Each process now applies
// its share, ceil(limit / instances), with instances = WORKERS × THROTTLE_INSTANCES.
import { Pool } from 'undici';
import { DemoProcess, freePort, startDemoProcess } from '../../libs/testkit/src';

const FLOOD = 200;

interface Flood {
  statuses: Record<number, number>;
  /** The X-RateLimit-Limit and RateLimit-Policy values seen on admitted responses. */
  limits: Set<string>;
  policies: Set<string>;
}

/** FLOOD concurrent GET /?api_key=k over up to 20 connections, which node:cluster spreads over the workers. */
async function flood(url: string): Promise<Flood> {
  const pool = new Pool(url, { connections: 20 });
  const out: Flood = { statuses: {}, limits: new Set(), policies: new Set() };
  try {
    await Promise.all(
      Array.from({ length: FLOOD }, async () => {
        const res = await pool.request({ method: 'GET', path: '/?api_key=k' });
        await res.body.dump();
        out.statuses[res.statusCode] = (out.statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 200) {
          out.limits.add(String(res.headers['x-ratelimit-limit']));
          out.policies.add(String(res.headers['ratelimit-policy']));
        }
      }),
    );
    return out;
  } finally {
    await pool.close();
  }
}

describe('Redis unreachable, onStoreError=local, WORKERS=2 (THROTTLE_INSTANCES=1)', () => {
  let demo: DemoProcess | undefined;
  afterEach(async () => {
    await demo?.stop();
  });

  it('admits at most the global limit across both workers: each admits ceil(6 / 2) = 3, and says so', async () => {
    const deadPort = await freePort(); // nothing listens there
    demo = await startDemoProcess({
      WORKERS: '2',
      THROTTLE_INSTANCES: '1',
      THROTTLE_STORE: 'redis',
      REDIS_URL: `redis://127.0.0.1:${deadPort}`,
      THROTTLE_RATES: 'api_key=6/m',
    });
    const result = await flood(demo.url);
    console.log(`local fallback, WORKERS=2, api_key=6/m: ${JSON.stringify(result.statuses)}`);
    // 3 per worker: fewer would mean the flood missed a worker, more is the bug.
    expect(result.statuses).toEqual({ 200: 6, 429: FLOOD - 6 });
    expect([...result.limits]).toEqual(['3']);
    expect([...result.policies]).toEqual(['"api_key";q=3;w=60']);
    expect(demo.output()).toContain('falling back to local limits');
  });
});
