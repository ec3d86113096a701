// The demo's GCRA scope (GET /burst), its tiered scope (GET /plan, the plan from the demo's X-API-Key
// authentication) and its costly route (GET /report, @ThrottleCost(5)), with the fake clock.
import { DemoUnderTest, startDemo, writeConfig } from '../support/apps/demo-app';

const PRO = { 'x-api-key': 'demo-pro-key' };
const FREE = { 'x-api-key': 'demo-free-key' };

describe('demo app: GCRA, tiers and cost (memory store)', () => {
  let demo: DemoUnderTest | undefined;
  afterEach(async () => {
    await demo?.app.close();
    demo = undefined;
  });
  const get = (url: string, headers: Record<string, string> = {}, remoteAddress?: string) =>
    demo!.app.inject({ method: 'GET', url, headers, ...(remoteAddress ? { remoteAddress } : {}) });
  const statuses = async (n: number, url: string, headers: Record<string, string> = {}, remoteAddress?: string) => {
    const codes: number[] = [];
    for (let i = 0; i < n; i++) codes.push((await get(url, headers, remoteAddress)).statusCode);
    return codes;
  };

  it('GET /burst (10/s, gcra, burst 3): three at once, then one per 100 ms', async () => {
    demo = await startDemo();
    const first = await get('/burst');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ msg: 'Hello in bursts!' });
    expect(first.headers).toMatchObject({ 'ratelimit-policy': '"burst";q=10;w=1', ratelimit: '"burst";r=2;t=1' });
    expect(await statuses(4, '/burst')).toEqual([200, 200, 429, 429]);
    demo.clock.advance(99);
    expect((await get('/burst')).statusCode).toBe(429);
    demo.clock.advance(1); // one interval since the bucket filled
    expect(await statuses(2, '/burst')).toEqual([200, 429]);
    demo.clock.advance(300); // idle for three intervals: the whole burst again
    expect(await statuses(4, '/burst')).toEqual([200, 200, 200, 429]);
    expect((await get('/burst', {}, '198.51.100.9')).statusCode).toBe(200); // by IP
  });

  it('GET /plan: the authenticated user’s plan picks the rate; anyone else gets the scope’s own', async () => {
    demo = await startDemo();
    const pro = await get('/plan', PRO);
    expect(pro.json()).toEqual({ user: 'ada', plan: 'pro' });
    expect(pro.headers).toMatchObject({ 'ratelimit-policy': '"plan";q=10000;w=3600', 'x-ratelimit-remaining': '9999' });
    const free = await get('/plan', FREE);
    expect(free.json()).toEqual({ user: 'bob', plan: 'free' });
    expect(free.headers['ratelimit-policy']).toBe('"plan";q=20;w=3600');
    expect(await statuses(20, '/plan', FREE)).toEqual([...Array<number>(19).fill(200), 429]);
    const anonymous = await get('/plan');
    expect(anonymous.json()).toEqual({ user: null, plan: null });
    expect(anonymous.headers).toMatchObject({ 'ratelimit-policy': '"plan";q=100;w=3600', 'x-ratelimit-remaining': '99' });
    expect((await get('/plan', PRO)).statusCode).toBe(200); // bob's refusals are bob's
  });

  it('never trusts a plan the client declares, and rotating unknown keys resets nothing (counted by IP)', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'plan=5/hour' });
    const claims = ['made-up', 'other', 'demo-pro-key ', 'DEMO-PRO-KEY', 'x', 'y'].map((key) => ({ 'x-api-key': key, 'x-plan': 'pro' }));
    const codes = [];
    for (const headers of claims) {
      const res = await get('/plan', headers);
      codes.push(res.statusCode);
      expect(res.headers['ratelimit-policy']).toBe('"plan";q=5;w=3600');
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await get('/plan', FREE)).headers['ratelimit-policy']).toBe('"plan";q=20;w=3600'); // tiers stay under THROTTLE_RATES
  });

  it('GET /report costs 5 units of the user’s plan quota: a free user gets 4, then /plan is spent too', async () => {
    demo = await startDemo();
    const report = await get('/report', FREE);
    expect(report.statusCode).toBe(200);
    expect(report.json()).toEqual({ report: 'ready', cost: 5, user: 'bob' });
    expect(report.headers['x-ratelimit-remaining']).toBe('15');
    expect(await statuses(4, '/report', FREE)).toEqual([200, 200, 200, 429]);
    expect((await get('/plan', FREE)).statusCode).toBe(429); // the refused report took nothing, but 20 of 20 are used
    expect((await get('/report', PRO)).headers['x-ratelimit-remaining']).toBe('9995');
  });

  it('a refused report takes nothing: with 4 units left, /report is refused and /plan admitted four times', async () => {
    demo = await startDemo();
    expect(await statuses(16, '/plan', FREE)).toEqual(Array<number>(16).fill(200));
    const refused = await get('/report', FREE);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['x-ratelimit-remaining']).toBe('4');
    expect(await statuses(5, '/plan', FREE)).toEqual([200, 200, 200, 200, 429]);
  });

  it('an older config file (hi and api_key only) gets the new scopes with their defaults', async () => {
    const path = writeConfig('scopes:\n  hi: 60/minute\n  api_key:\n    rate: 1/s\n    key: query:api_key\n');
    demo = await startDemo({ THROTTLE_CONFIG: path });
    expect((await get('/burst')).headers['ratelimit-policy']).toBe('"burst";q=10;w=1');
    expect(await statuses(3, '/burst')).toEqual([200, 200, 429]);
    expect((await get('/plan', PRO)).headers['ratelimit-policy']).toBe('"plan";q=10000;w=3600');
  });

  it('refuses to boot when THROTTLE_RATES makes the plan limit smaller than the report’s cost', async () => {
    await expect(startDemo({ THROTTLE_RATES: 'plan=3/hour' })).rejects.toThrow(
      'Invalid throttle config: @ThrottleCost(5) on PlanController.report exceeds scope "plan"\'s limit 3',
    );
  });

  it('THROTTLE_RATES=burst=2/s changes the rate and keeps gcra with burst 3', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'burst=2/s' });
    expect(await statuses(4, '/burst')).toEqual([200, 200, 200, 429]);
    demo.clock.advance(499);
    expect((await get('/burst')).statusCode).toBe(429);
    demo.clock.advance(1); // the interval is now 500 ms
    expect((await get('/burst')).headers['ratelimit-policy']).toBe('"burst";q=2;w=1');
  });
});
