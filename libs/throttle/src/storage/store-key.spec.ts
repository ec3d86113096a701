import { hashIdentity, hashTag, scopeKeyPrefix, storeKey } from './store-key';

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
});
