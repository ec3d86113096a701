// Issue 21 in the demo: POST /login counts failed attempts only (5 per 15 minutes per (IP, username))
// and blocks for 15 minutes after the fifth; DELETE /throttle/:scope/:identity (admin key) resets it.
import { startDemo, DemoUnderTest } from '../support/apps/demo-app';

describe('demo: POST /login and the admin reset', () => {
  let demo: DemoUnderTest | undefined;
  afterEach(async () => demo?.app.close());
  const login = (username: string, password: string) =>
    demo!.app.inject({ method: 'POST', url: '/login', payload: { username, password } }).then((r) => r.statusCode);
  const attempts = async (n: number, username: string, password: string) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await login(username, password));
    return out;
  };

  it('successes are free, the fifth failure blocks that (IP, username) for 15 minutes, and only that one', async () => {
    demo = await startDemo({ THROTTLE_ADMIN_KEY: 'k' });
    expect(await attempts(6, 'ada', 'demo-password')).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await attempts(6, 'ada', 'guess')).toEqual([401, 401, 401, 401, 401, 429]);
    const blocked = await demo.app.inject({ method: 'POST', url: '/login', payload: { username: 'ada', password: 'demo-password' } });
    expect([blocked.statusCode, blocked.headers['retry-after']]).toEqual([429, '900']);
    expect(await login('bob', 'demo-password')).toBe(200);
    demo.clock.advance(15 * 60_000);
    expect(await login('ada', 'demo-password')).toBe(200);
    const metrics = (await demo.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('throttle_controls_total{scope="login",action="refund"} 8'); // 6 + bob + the last
    expect(metrics).toContain('throttle_controls_total{scope="login",action="block"} 1');
  });

  it('DELETE /throttle/login/<ip>|<username> with the admin key lifts the block; without it, 403 (404 when unset)', async () => {
    demo = await startDemo({ THROTTLE_ADMIN_KEY: 'k' });
    expect(await attempts(6, 'ada', 'guess')).toEqual([401, 401, 401, 401, 401, 429]);
    const url = `/throttle/login/${encodeURIComponent('127.0.0.1|ada')}`;
    expect((await demo.app.inject({ method: 'DELETE', url, headers: { 'x-admin-key': 'nope' } })).statusCode).toBe(403);
    expect((await demo.app.inject({ method: 'DELETE', url: '/throttle/nope/x', headers: { 'x-admin-key': 'k' } })).statusCode).toBe(404);
    expect((await demo.app.inject({ method: 'DELETE', url, headers: { 'x-admin-key': 'k' } })).statusCode).toBe(204);
    expect(await login('ada', 'demo-password')).toBe(200);
    expect((await demo.app.inject({ method: 'GET', url: '/metrics' })).body).toContain(
      'throttle_controls_total{scope="login",action="reset"} 1',
    );
    await demo.app.close();
    demo = await startDemo({});
    expect((await demo.app.inject({ method: 'DELETE', url, headers: { 'x-admin-key': 'k' } })).statusCode).toBe(404);
  });
});
