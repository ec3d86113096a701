import { request } from 'undici';
import { writeConfig } from '../support/apps/demo-app';
import { DemoProcess, runDemoExpectingFailure, startDemoProcess } from '../../libs/testkit/src';

describe('the built demo as a process (node dist/apps/demo/main.js)', () => {
  let demo: DemoProcess | undefined;
  afterEach(async () => {
    await demo?.stop();
    demo = undefined;
  });

  it('prints one boot line, then serves 200s and a 429 with its headers (THROTTLE_RATES=hi=3/m)', async () => {
    demo = await startDemoProcess({ THROTTLE_RATES: 'hi=3/m' });
    expect(demo.bootLine).toBe(
      `demo listening on http://127.0.0.1:${demo.port} | store memory (on error: local) | workers 1 | scopes hi=3/m (key ip), api_key=1/s (key query:api_key), search=30/minute (key ip, shadow), ` +
        `burst=10/s (key ip, gcra, burst 3), plan=100/hour (key user, tier user:plan: pro=10000/hour free=20/hour, GET /report costs 5), login=5/15m (key function), export=2 in flight (key ip, priority low)`,
    );
    const codes = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(`${demo.url}/hi`);
      await res.body.dump();
      codes.push(res.statusCode);
    }
    const refused = await request(`${demo.url}/hi`);
    expect(codes).toEqual([200, 200, 200]);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['ratelimit-policy']).toBe('"hi";q=3;w=60');
    expect(refused.headers['ratelimit']).toMatch(/^"hi";r=0;t=\d+$/);
    expect(await refused.body.json()).toMatchObject({ statusCode: 429, scope: 'hi' });
  });

  it('with WORKERS=2, /metrics sums the decisions of every worker', async () => {
    demo = await startDemoProcess({ WORKERS: '2', THROTTLE_RATES: 'hi=3/m' });
    for (let i = 0; i < 8; i++) {
      const res = await request(`${demo.url}/hi`, { headers: { connection: 'close' } });
      await res.body.dump();
    }
    const res = await request(`${demo.url}/metrics`);
    const text = await res.body.text();
    const count = (result: string) =>
      Number(new RegExp(`throttle_decisions_total\\{scope="hi",result="${result}"\\} (\\d+)`).exec(text)?.[1]);
    expect(res.statusCode).toBe(200);
    expect(count('allowed') + count('throttled')).toBe(8);
    expect(count('allowed')).toBeLessThanOrEqual(6); // 3 per worker: the memory store is per process
  });

  it('shuts down cleanly on SIGTERM (exit code 0)', async () => {
    demo = await startDemoProcess({});
    const code = await demo.stop();
    expect(code).toBe(0);
    demo = undefined;
  });

  it('refuses to boot without the hi scope, naming it, and exits 1 without a stack trace', async () => {
    const path = writeConfig('scopes:\n  api_key: 1/s\n');
    const { code, output } = await runDemoExpectingFailure({ THROTTLE_CONFIG: path });
    expect(code).toBe(1);
    expect(output).toContain(
      'Invalid throttle config: unknown scope "hi" on HiController.hi (known scopes: api_key, search, burst, plan, login, export)',
    );
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('with WORKERS=2 stops every worker when the config is bad', async () => {
    const { code, output } = await runDemoExpectingFailure({ WORKERS: '2', THROTTLE_RATES: 'hi=100/month' });
    expect(code).toBe(1);
    expect(output).toContain('scope "hi" rate "100/month": unknown period "month"');
  });
});
