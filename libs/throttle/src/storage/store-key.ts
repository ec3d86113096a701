import * as crypto from 'node:crypto';

/** What separates the scope from the hashed identity in a store key. */
const SCOPE_END = ':{';

/**
 * The one place that knows the store-key format: `<scope>:{<hashed identity>}`. The identity is hashed
 * (fixed size; raw client data never reaches the store) and wrapped in `{}`, the Redis Cluster hash tag,
 * so every scope of one client lands in one slot and a request's rules run as one script.
 *
 * @example
 * const prefix = scopeKeyPrefix('hi'); // 'hi:{'
 * storeKey(prefix, 'ip:203.0.113.9');   // 'hi:{Xb3…}'
 * scopeOfKey('hi:{Xb3…}');              // 'hi'
 * hashTag('throttle:hi:{Xb3…}');        // 'Xb3…'
 */
export function scopeKeyPrefix(scope: string): string {
  return scope + SCOPE_END;
}

/**
 * The store key of one (scope, identity): the scope's {@link scopeKeyPrefix}, the hashed identity, then
 * `end`: `}`, or `}:gcra` for a GCRA scope (a scope switched between algorithms never reads the other's data).
 */
export function storeKey(scopePrefix: string, identity: string, end = '}'): string {
  return scopePrefix + hashIdentity(identity) + end;
}

/** Longest identity a {@link scopeStoreKey} keeps unhashed: the hash's own length, so such a key is never the longer one. */
const RAW_IDENTITY_MAX = 27;
/** Opens an unhashed identity: never in a hash (base64url), so a raw key never equals a hashed one. */
const RAW_MARK = '~';

/**
 * The store key of an identity in a scope. For the embedded memory store (`raw`: the app's store is a
 * `MemoryThrottleStorage` itself), an identity of at most 27 characters stays as it is, after `~`
 * (`hi:{~ip:203.0.113.9}`): those keys never leave the process, and hashing was the largest part of
 * the library's own cost per request after the LRU. Every other store (Redis, an app's shared store,
 * the failure policy's fallback beside Redis) gets the hashed {@link storeKey}: that format is unchanged.
 *
 * @example
 * scopeStoreKey({ keyPrefix: 'hi:{', keyEnd: '}' }, 'ip:203.0.113.9', true);  // 'hi:{~ip:203.0.113.9}'
 * scopeStoreKey({ keyPrefix: 'hi:{', keyEnd: '}' }, 'ip:203.0.113.9', false); // 'hi:{Xb3…}'
 */
export function scopeStoreKey(scope: { readonly keyPrefix: string; readonly keyEnd: string }, identity: string, raw: boolean): string {
  if (raw && identity.length <= RAW_IDENTITY_MAX) return scope.keyPrefix + RAW_MARK + identity + scope.keyEnd;
  return storeKey(scope.keyPrefix, identity, scope.keyEnd);
}

/**
 * The key of a client-chosen tier's rate beside a scope's key: `<key>:<limit>/<windowMs>`, one per rate
 * (same hash tag, so same Cluster slot; a GCRA rate gets a cell of its own, never one shared with
 * another rate's interval).
 *
 * @example
 * tierKey('api:{Xb3…}', { limit: 1, windowMs: 60_000 }); // 'api:{Xb3…}:1/60000'
 */
export function tierKey(key: string, rate: { readonly limit: number; readonly windowMs: number }): string {
  return `${key}:${rate.limit}/${rate.windowMs}`;
}

/**
 * The scope of a store key: what precedes the first `:{`, or `undefined` for a key not in the
 * `<scope>:{<hash>}` format (a key a custom caller made). A key starts with {@link scopeKeyPrefix} of
 * exactly the scope this returns, so a prefix test (`key.startsWith(prefix)`) identifies the same scope.
 *
 * @example
 * scopeOfKey('api_key:{Xb3…}'); // 'api_key'
 * scopeOfKey('plain');           // undefined
 */
export function scopeOfKey(key: string): string | undefined {
  const end = key.indexOf(SCOPE_END);
  return end > 0 ? key.slice(0, end) : undefined;
}

/**
 * Hashes an identity into a fixed-size key part (SHA-1, base64url: 27 characters), so a 10 KB api_key
 * costs the store what a short one does.
 */
export function hashIdentity(identity: string): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha1', identity, 'base64url')
    : crypto.createHash('sha1').update(identity).digest('base64url');
}

/** `crypto.hash` (Node >= 20.12): one call, no Hash object per request. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

/**
 * The part of a key Redis Cluster hashes: the first non-empty `{...}`, else the whole key. Keys with the
 * same tag share a slot.
 */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close === -1 || close === open + 1 ? key : key.slice(open + 1, close);
}
