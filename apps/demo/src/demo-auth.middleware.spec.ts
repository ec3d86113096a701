import { DemoAuthMiddleware, demoUserOf } from './demo-auth.middleware';

// The demo's authentication: X-API-Key → the user (and plan) of the fixed table; nothing else counts.
describe('DemoAuthMiddleware', () => {
  const run = (headers: Record<string, unknown>, user?: unknown) => {
    const req = { headers, ...(user ? { user } : {}) } as { headers: Record<string, unknown>; user?: unknown };
    const next = jest.fn();
    new DemoAuthMiddleware().use(req as never, undefined, next);
    expect(next).toHaveBeenCalledTimes(1);
    return req.user;
  };

  it('maps the demo keys to their users and plans', () => {
    expect(run({ 'x-api-key': 'demo-pro-key' })).toEqual({ id: 'ada', plan: 'pro' });
    expect(run({ 'x-api-key': 'demo-free-key' })).toEqual({ id: 'bob', plan: 'free' });
  });

  it.each([[{}], [{ 'x-api-key': 'nope' }], [{ 'x-api-key': ['demo-pro-key'] }], [{ 'x-api-key': 'toString' }], [{ 'x-plan': 'pro' }]])(
    'leaves %p anonymous, whatever the client claims',
    (headers) => {
      expect(run(headers, { id: 'mallory', plan: 'pro' })).toBeUndefined();
    },
  );

  it('looks keys up exactly (no prototype keys, no case folding, no trimming)', () => {
    expect(demoUserOf('__proto__')).toBeUndefined();
    expect(demoUserOf('DEMO-PRO-KEY')).toBeUndefined();
    expect(demoUserOf(' demo-pro-key')).toBeUndefined();
  });
});
