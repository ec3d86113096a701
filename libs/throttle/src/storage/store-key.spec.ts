import { hashIdentity, hashTag, scopeKeyPrefix, scopeOfKey, storeKey } from './store-key';

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
});
