import { startDemo, DemoUnderTest, writeConfig } from '../support/apps/demo-app';

describe('demo app over Fastify (memory store)', () => {
  let demo: DemoUnderTest;
  afterEach(async () => {
    await demo?.app.close();
  });
  const get = (url: string, extra: { headers?: Record<string, string>; remoteAddress?: string } = {}) =>
    demo.app.inject({ method: 'GET', url, ...extra });

  it('GET /hi answers 200 with every rate-limit header of the contract', async () => {
    demo = await startDemo();
    const res = await get('/hi');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ msg: 'Hello Hello!' });
    expect(res.headers['ratelimit-policy']).toBe('"hi";q=60;w=60');
    expect(res.headers['ratelimit']).toBe('"hi";r=59;t=60');
    expect(res.headers['x-ratelimit-limit']).toBe('60');
    expect(res.headers['x-ratelimit-remaining']).toBe('59');
    expect(res.headers['x-ratelimit-reset']).toBe('60');
    expect(res.headers['retry-after']).toBeUndefined();
  });

  it('with THROTTLE_RATES=hi=3/s admits three and refuses the fourth with the 429 contract', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'hi=3/s' });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await get('/hi')).statusCode);
    demo.clock.advance(250);
    const refused = await get('/hi');
    expect(codes).toEqual([200, 200, 200]);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['ratelimit-policy']).toBe('"hi";q=3;w=1');
    expect(refused.headers['ratelimit']).toBe('"hi";r=0;t=1');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(refused.headers['x-ratelimit-reset']).toBe('1');
    expect(refused.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Request was throttled. Expected available in 1 second.',
      scope: 'hi',
      retryAfter: 1,
    });
  });

  it('admits a client that waits exactly Retry-After seconds', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'hi=2/10s' });
    await get('/hi');
    demo.clock.advance(3_500);
    await get('/hi');
    const refused = await get('/hi');
    const wait = Number(refused.headers['retry-after']);
    expect(refused.statusCode).toBe(429);
    expect(wait).toBe(7); // the first admission leaves the window 6.5 s from now: rounded up
    expect(refused.json().message).toBe('Request was throttled. Expected available in 7 seconds.');
    demo.clock.advance(wait * 1000);
    expect((await get('/hi')).statusCode).toBe(200);
  });

  it('serves /hi/ as /hi (the DRF articles call /hi/), both counting against one limit', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'hi=2/m' });
    const slash = await get('/hi/');
    expect(slash.statusCode).toBe(200);
    expect(slash.json()).toEqual({ msg: 'Hello Hello!' });
    expect(slash.headers['ratelimit']).toBe('"hi";r=1;t=60');
    expect((await get('/hi')).headers['ratelimit']).toBe('"hi";r=0;t=60');
    expect((await get('/hi/')).statusCode).toBe(429);
    expect((await get('/hi')).statusCode).toBe(429);
  });

  it('GET /?api_key=K throttles per key at 1/s and answers "ok"', async () => {
    demo = await startDemo();
    const first = await get('/?api_key=1234');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toBe('ok');
    expect(first.headers['ratelimit-policy']).toBe('"api_key";q=1;w=1');
    expect((await get('/?api_key=1234')).statusCode).toBe(429);
    expect((await get('/?api_key=5678')).statusCode).toBe(200);
    demo.clock.advance(1_000);
    expect((await get('/?api_key=1234')).statusCode).toBe(200);
  });

  it('falls back to the client IP when api_key is missing or empty: throttled, never a 500', async () => {
    demo = await startDemo();
    expect((await get('/', { remoteAddress: '198.51.100.1' })).statusCode).toBe(200);
    expect((await get('/?api_key=', { remoteAddress: '198.51.100.1' })).statusCode).toBe(429);
    expect((await get('/', { remoteAddress: '198.51.100.2' })).statusCode).toBe(200);
  });

  it('handles a 10 KB api_key as a normal decision', async () => {
    demo = await startDemo();
    const big = 'k'.repeat(10 * 1024);
    expect((await get(`/?api_key=${big}`)).statusCode).toBe(200);
    expect((await get(`/?api_key=${big}`)).statusCode).toBe(429);
  });

  // Regression (issue 9): `?api_key=a&api_key=b` was keyed by `a`, letting a client rotate `b` freely.
  it('keys repeated api_key parameters by the client IP, not by either value', async () => {
    demo = await startDemo();
    expect((await get('/?api_key=a&api_key=b', { remoteAddress: '198.51.100.7' })).statusCode).toBe(200);
    expect((await get('/?api_key=c&api_key=d', { remoteAddress: '198.51.100.7' })).statusCode).toBe(429);
    expect((await get('/?api_key=a')).statusCode).toBe(200);
  });

  it('ignores a spoofed X-Forwarded-For when no proxy is trusted', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'hi=1/m' });
    const from = (xff: string) => get('/hi', { remoteAddress: '203.0.113.7', headers: { 'x-forwarded-for': xff } });
    expect((await from('1.1.1.1')).statusCode).toBe(200);
    expect((await from('2.2.2.2')).statusCode).toBe(429);
    expect((await from('garbage, , ::::')).statusCode).toBe(429);
  });

  it('reads the client from X-Forwarded-For behind one trusted proxy (TRUST_PROXY=1)', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'hi=1/m', TRUST_PROXY: '1' });
    const via = (xff: string) => get('/hi', { remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': xff } });
    expect((await via('9.9.9.9, 1.1.1.1')).statusCode).toBe(200);
    expect((await via('8.8.8.8, 1.1.1.1')).statusCode).toBe(429); // spoofed left part ignored
    expect((await via('1.1.1.2')).statusCode).toBe(200);
  });

  it('groups IPv6 clients by /64 and reads IPv4-mapped addresses as IPv4', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'hi=1/m' });
    expect((await get('/hi', { remoteAddress: '2001:db8:1:2::1' })).statusCode).toBe(200);
    expect((await get('/hi', { remoteAddress: '2001:db8:1:2:ffff::9' })).statusCode).toBe(429);
    expect((await get('/hi', { remoteAddress: '2001:db8:1:3::1' })).statusCode).toBe(200);
    expect((await get('/hi', { remoteAddress: '192.0.2.5' })).statusCode).toBe(200);
    expect((await get('/hi', { remoteAddress: '::ffff:192.0.2.5' })).statusCode).toBe(429);
  });

  it('GET /health is not throttled and reports the store', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'hi=1/m' });
    for (let i = 0; i < 5; i++) {
      const res = await get('/health');
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit']).toBeUndefined();
      expect(res.json()).toMatchObject({ status: 'ok', store: { store: 'memory', state: 'ok' } });
    }
  });

  it('answers 404, not 500, for unknown routes', async () => {
    demo = await startDemo();
    expect((await get('/nope?api_key=%ZZ')).statusCode).toBe(404);
  });
});

describe('demo app boot-time validation', () => {
  it('refuses to boot when the config file lacks the hi scope, naming it and the known scopes', async () => {
    const path = writeConfig('scopes:\n  api_key:\n    rate: 1/s\n    key: query:api_key\n');
    await expect(startDemo({ THROTTLE_CONFIG: path })).rejects.toThrow(
      'Invalid throttle config: unknown scope "hi" on HiController.hi (known scopes: api_key, search, burst, plan, login, export)',
    );
  });

  it('lists every problem in one error, each with its file, line and column: bad rates, bad keys', async () => {
    const path = writeConfig('scopes:\n  hi: 100/month\n  api_key:\n    rate: 0/s\n    key: cookie:x\n');
    const error = await startDemo({ THROTTLE_CONFIG: path }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message.split('\n')).toEqual([
      `Invalid throttle config: ${path}:2:7: scope "hi" rate "100/month": unknown period "month" (use s, m, h, d, e.g. 100/30d)`,
      `Invalid throttle config: ${path}:4:11: scope "api_key" rate "0/s": the count must be a positive integer, got "0"`,
      `Invalid throttle config: ${path}:5:10: scope "api_key" key "cookie:x" is not one of ip, user, header:<name>, query:<name> or a function`,
    ]);
  });

  it('refuses a malformed THROTTLE_RATES entry, naming it', async () => {
    await expect(startDemo({ THROTTLE_RATES: 'hi' })).rejects.toThrow('THROTTLE_RATES entry "hi": expected scope=rate');
    await expect(startDemo({ THROTTLE_RATES: 'hi=1 minutee' })).rejects.toThrow('scope "hi" rate "1 minutee"');
  });

  // Regression (issue 9): the demo's own TRUST_PROXY check let entries through that trusted every client.
  it.each([
    ['::ffff:10.0.0.0/8', 'trustProxy entry "::ffff:10.0.0.0/8" is IPv4-mapped with prefix 8, below 96'],
    ['10.0.0.0/999', 'trustProxy entry "10.0.0.0/999" has prefix 999, above 32 for IPv4'],
    ['abc', 'trustProxy entry "abc" is not an IP address'],
    ['10.0.0.0/', 'trustProxy entry "10.0.0.0/" has an empty prefix'],
  ])('refuses to boot with TRUST_PROXY=%p, naming the entry', async (raw, why) => {
    await expect(startDemo({ TRUST_PROXY: raw })).rejects.toThrow(`Invalid throttle config: ${why}`);
  });

  it('lists every bad TRUST_PROXY entry, one line each', async () => {
    const boot = startDemo({ TRUST_PROXY: '10.0.0.0/8/16,10.0.0.0/8,10.0.0.0/0x8' });
    await expect(boot).rejects.toThrow(
      /^Invalid throttle config: trustProxy entry "10\.0\.0\.0\/8\/16" [^\n]+\nInvalid throttle config: trustProxy entry "10\.0\.0\.0\/0x8" [^\n]+$/,
    );
  });

  it('refuses a missing config file and bad environment values with their names', async () => {
    await expect(startDemo({ THROTTLE_CONFIG: '/nonexistent/throttle.yaml' })).rejects.toThrow(
      'Cannot read throttle config /nonexistent/throttle.yaml (THROTTLE_CONFIG)',
    );
    await expect(startDemo({ WORKERS: 'many' })).rejects.toThrow('WORKERS="many"');
    await expect(startDemo({ THROTTLE_STORE: 'memcached' })).rejects.toThrow('THROTTLE_STORE="memcached"');
  });
});

describe('demo /metrics', () => {
  it('serves Prometheus text counting the decisions it made, by scope and result', async () => {
    const demo = await startDemo({ THROTTLE_RATES: 'hi=2/m' });
    try {
      for (let i = 0; i < 5; i++) await demo.app.inject('/hi');
      await demo.app.inject('/?api_key=k');
      const res = await demo.app.inject('/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.headers['ratelimit']).toBeUndefined();
      expect(res.body).toContain('throttle_decisions_total{scope="hi",result="allowed"} 2');
      expect(res.body).toContain('throttle_decisions_total{scope="hi",result="throttled"} 3');
      expect(res.body).toContain('throttle_decisions_total{scope="api_key",result="allowed"} 1');
      expect(res.body).toContain('process_cpu_user_seconds_total');
    } finally {
      await demo.app.close();
    }
  });

  it('shows the shadow scope /search would refuse, while it refuses nothing', async () => {
    const demo = await startDemo({ THROTTLE_RATES: 'search=2/m' });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await demo.app.inject('/search')).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200]);
      const body = (await demo.app.inject('/metrics')).body;
      expect(body).toContain('throttle_decisions_total{scope="search",result="allowed"} 2');
      expect(body).toContain('throttle_decisions_total{scope="search",result="shadow_throttled"} 2');
    } finally {
      await demo.app.close();
    }
  });
});
