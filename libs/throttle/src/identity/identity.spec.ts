import { compileClientIp } from './client-ip';
import { compileIdentity, ThrottleKey, USER_MISSING_AFTER } from './identity';

const ctx = {} as any;
const ip = compileClientIp(0);
const req = (extra: object = {}) => ({ raw: { socket: { remoteAddress: '192.0.2.1' } }, headers: {}, query: {}, ...extra });
const resolve = (spec: ThrottleKey, request: object) => compileIdentity(spec, ip).resolve(request, ctx);
const fallback = 'ip:192.0.2.1';

describe('compileIdentity', () => {
  it('keys by kind, prefixed so kinds never collide', () => {
    expect(resolve('ip', req())).toBe('ip:192.0.2.1');
    expect(resolve('user', req({ user: { id: 7 } }))).toBe('u:7');
    expect(resolve('user', req({ raw: { socket: { remoteAddress: '192.0.2.1' }, user: { id: 8 } } }))).toBe('u:8');
    expect(resolve('header:X-Key', req({ headers: { 'x-key': 'abc' } }))).toBe('h:abc');
    expect(resolve('query:k', req({ query: { k: ['a'] } }))).toBe('q:a');
    expect(resolve(() => 'tenant', req())).toBe('f:tenant');
  });

  it('says which identities are known before the guards run (the fast lane may decide them)', () => {
    const early = (['ip', 'header:x-key', 'query:k'] as ThrottleKey[]).map((s) => compileIdentity(s, ip).beforeGuards);
    const late = (['user', () => 'x'] as ThrottleKey[]).map((s) => compileIdentity(s, ip).beforeGuards);
    expect([early, late]).toEqual([
      [true, true, true],
      [false, false],
    ]);
    expect(compileIdentity(() => 'x', ip).label).toBe('function');
  });

  it("falls back to the IP for missing, empty or odd values (a throwing function is the request's 500: see the decider)", () => {
    expect(resolve('user', req())).toBe(fallback);
    expect(resolve('header:x-key', req({ headers: { 'x-key': '' } }))).toBe(fallback);
    expect(resolve('query:k', req({ query: { k: { nested: 1 } } }))).toBe(fallback);
    expect(resolve('query:k', req({ query: null }))).toBe(fallback);
    expect(() =>
      resolve(() => {
        throw new Error('x');
      }, req()),
    ).toThrow('x');
    expect(resolve(() => null, req())).toBe(fallback);
  });

  // Regression (issue 9): `?api_key=a&api_key=b` was keyed by `a`, so a client could rotate `b`.
  it('keys a repeated query value or header by IP, never by one of the values', () => {
    expect(resolve('query:k', req({ query: { k: ['a', 'b'] } }))).toBe(fallback);
    const repeated = req({
      headers: { 'x-key': 'a, b' },
      raw: { socket: { remoteAddress: '192.0.2.1' }, rawHeaders: ['X-Key', 'a', 'x-key', 'b'] },
    });
    expect(resolve('header:x-key', repeated)).toBe(fallback);
    const once = req({
      headers: { 'x-key': 'a, b' },
      raw: { socket: { remoteAddress: '192.0.2.1' }, rawHeaders: ['Host', 'h', 'X-Key', 'a, b'] },
    });
    expect(resolve('header:x-key', once)).toBe('h:a, b');
  });

  it('issue 17 #5: keys a joined header value by IP when the request view has no raw headers (a WebSocket handshake)', () => {
    const view = (value: string | string[]) => ({ headers: { 'x-key': value }, socket: { remoteAddress: '192.0.2.1' } });
    expect(resolve('header:x-key', view('a, b'))).toBe(fallback);
    expect(resolve('header:x-key', view(['a', 'b']))).toBe(fallback);
    expect(resolve('header:x-key', view('a'))).toBe('h:a');
  });

  // Regression (issue 9): a global throttle guard runs before controller auth guards, so `user` scopes
  // silently became IP limits. Now it says so, once.
  it('reports a user key that never sees request.user, once, after USER_MISSING_AFTER requests', () => {
    let reports = 0;
    const byUser = compileIdentity('user', ip, () => reports++);
    for (let i = 1; i < USER_MISSING_AFTER; i++) byUser.resolve(req(), ctx);
    expect(reports).toBe(0);
    for (let i = 0; i < 3 * USER_MISSING_AFTER; i++) byUser.resolve(req(), ctx);
    expect(reports).toBe(1);
  });

  it('never reports a user key once a user was seen', () => {
    let reports = 0;
    const byUser = compileIdentity('user', ip, () => reports++);
    byUser.resolve(req({ user: { id: 1 } }), ctx);
    for (let i = 0; i < 2 * USER_MISSING_AFTER; i++) byUser.resolve(req(), ctx);
    expect(reports).toBe(0);
  });

  it('rejects unusable specs at boot', () => {
    expect(() => compileIdentity('cookie:x' as any, ip)).toThrow('is not one of ip, user');
    expect(() => compileIdentity('header:bad name' as any, ip)).toThrow('is not a header name');
    expect(() => compileIdentity('query:' as any, ip)).toThrow('query parameter name is empty');
  });
});
