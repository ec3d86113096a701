import { hashIdentity, hashTag, scopeKeyPrefix, scopeOfKey, scopeStoreKey, storeKey } from './store-key';

describe('store keys', () => {
  it('hash identities to a fixed-size key part whatever their size', () => {
    expect(hashIdentity('q:' + 'k'.repeat(10_240))).toHaveLength(27);
    expect(hashIdentity('q:1')).toHaveLength(27);
    expect(hashIdentity('q:1')).not.toBe(hashIdentity('q:2'));
  });

  it('are <scope>:{<hash>}, the hash being the Redis Cluster hash tag', () => {
    const key = storeKey(scopeKeyPrefix('hi'), 'ip:192.0.2.1');
    expect(key).toBe(`hi:{${hashIdentity('ip:192.0.2.1')}}`);
    expect(hashTag(`throttle:${key}`)).toBe(hashIdentity('ip:192.0.2.1'));
    expect(hashTag('plain')).toBe('plain');
    expect(hashTag('a{}b{c}')).toBe('a{}b{c}');
    expect(hashTag('{app}:hi:{abc}')).toBe('app');
  });

  it('give back their scope: what precedes the first ":{", undefined for keys in another format', () => {
    expect(scopeOfKey(storeKey(scopeKeyPrefix('api_key'), 'q:k'))).toBe('api_key');
    expect(scopeOfKey(storeKey(scopeKeyPrefix('a.b-c_1'), 'ip:1'))).toBe('a.b-c_1');
    expect(scopeOfKey('hi:{x}:{y}')).toBe('hi');
    expect(scopeOfKey('plain')).toBeUndefined();
    expect(scopeOfKey('hi:x')).toBeUndefined();
    expect(scopeOfKey(':{x}')).toBeUndefined();
  });

  it('keep a short identity unhashed for the embedded memory store only, never equal to a hashed key', () => {
    const hi = { keyPrefix: scopeKeyPrefix('hi'), keyEnd: '}' };
    expect(scopeStoreKey(hi, 'ip:203.0.113.9', true)).toBe('hi:{~ip:203.0.113.9}');
    expect(scopeStoreKey(hi, 'ip:203.0.113.9', false)).toBe(storeKey(hi.keyPrefix, 'ip:203.0.113.9'));
    const long = 'q:' + 'k'.repeat(26);
    expect(scopeStoreKey(hi, long, true)).toBe(storeKey(hi.keyPrefix, long)); // longer than a hash: hashed, so bounded
    expect(scopeStoreKey(hi, long.slice(0, 27), true)).toBe(`hi:{~${long.slice(0, 27)}}`);
    expect(scopeOfKey(scopeStoreKey(hi, 'q:a:{b}', true))).toBe('hi');
    expect(hashIdentity('x')).not.toContain('~');
  });
});
