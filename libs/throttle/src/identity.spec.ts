import { compileClientIp } from './client-ip';
import { compileIdentity, hashIdentity } from './identity';

const ctx = {} as any;
const ip = compileClientIp(0);
const req = (extra: object = {}) => ({ raw: { socket: { remoteAddress: '192.0.2.1' } }, headers: {}, query: {}, ...extra });

describe('compileIdentity', () => {
  it('keys by kind, prefixed so kinds never collide', () => {
    expect(compileIdentity('ip', ip)(req(), ctx)).toBe('ip:192.0.2.1');
    expect(compileIdentity('user', ip)(req({ user: { id: 7 } }), ctx)).toBe('u:7');
    expect(compileIdentity('header:X-Key', ip)(req({ headers: { 'x-key': 'abc' } }), ctx)).toBe('h:abc');
    expect(compileIdentity('query:k', ip)(req({ query: { k: ['a', 'b'] } }), ctx)).toBe('q:a');
    expect(compileIdentity(() => 'tenant', ip)(req(), ctx)).toBe('f:tenant');
  });

  it('falls back to the IP for missing, empty or odd values, and for a throwing function', () => {
    const fallback = 'ip:192.0.2.1';
    expect(compileIdentity('user', ip)(req(), ctx)).toBe(fallback);
    expect(compileIdentity('header:x-key', ip)(req({ headers: { 'x-key': '' } }), ctx)).toBe(fallback);
    expect(compileIdentity('query:k', ip)(req({ query: { k: { nested: 1 } } }), ctx)).toBe(fallback);
    expect(compileIdentity('query:k', ip)(req({ query: null }), ctx)).toBe(fallback);
    expect(compileIdentity(() => { throw new Error('x'); }, ip)(req(), ctx)).toBe(fallback);
    expect(compileIdentity(() => null, ip)(req(), ctx)).toBe(fallback);
  });

  it('rejects unusable specs at boot', () => {
    expect(() => compileIdentity('cookie:x' as any, ip)).toThrow('is not one of ip, user');
    expect(() => compileIdentity('header:bad name' as any, ip)).toThrow('is not a header name');
    expect(() => compileIdentity('query:' as any, ip)).toThrow('query parameter name is empty');
  });
});

describe('hashIdentity', () => {
  it('gives a fixed-size key part whatever the identity size', () => {
    expect(hashIdentity('q:' + 'k'.repeat(10_240))).toHaveLength(27);
    expect(hashIdentity('q:1')).toHaveLength(27);
    expect(hashIdentity('q:1')).not.toBe(hashIdentity('q:2'));
  });
});
