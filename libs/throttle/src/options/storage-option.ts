import type { ThrottleStorage } from '../storage/throttle-storage';
import type { ThrottleModuleOptions } from './throttle-options';

/** The module options that only mean something for a shared store (its failure policy and local fallback). */
const FAILURE_OPTIONS = ['onStoreError', 'storeTimeoutMs', 'storeBootTimeoutMs', 'instances'] as const;

/**
 * Validates `storage`, the app's own store, and what may stand beside it: the failure options
 * (`onStoreError`, `storeTimeoutMs`, `storeBootTimeoutMs`, `instances`) only when the store says it is
 * `shared` (the module then applies them), never `redis` (the store is `storage`); a Redis store's
 * client must not queue commands while disconnected, as for `redis.client`. Nothing is accepted and ignored.
 *
 * @example
 * storageOption({ scopes, storage: new MyStorage(), onStoreError: 'allow' }, problems) // a problem unless MyStorage is shared
 */
export function storageOption(opts: ThrottleModuleOptions, problems: string[]): ThrottleStorage | undefined {
  const value: unknown = opts.storage;
  if (value === undefined) return undefined;
  if (typeof (value as ThrottleStorage | null)?.consume !== 'function') {
    problems.push('storage must be a ThrottleStorage instance (an object with consume(request))');
    return undefined;
  }
  const storage = value as ThrottleStorage;
  const name = storage.constructor?.name || 'the store';
  if (opts.redis !== undefined)
    problems.push(
      `redis and storage are exclusive: storage (${name}) is the store; remove redis, or storage to let the module build the Redis store`,
    );
  const given = FAILURE_OPTIONS.filter((option) => opts[option] !== undefined);
  if (storage.shared !== true && given.length > 0) {
    problems.push(
      `${given.join(', ')} apply to a shared store, and storage (${name}) does not say it is shared: ` +
        'set `readonly shared = true` on it to put it behind the failure policy (see ThrottleStorage.shared), or remove them',
    );
  }
  // Duck-typed (validating options never loads ioredis): a RedisThrottleStorage the app built exposes its client.
  const client = (storage as { client?: { defineCommand?: unknown; options?: { enableOfflineQueue?: boolean } } }).client;
  if (storage.shared === true && typeof client?.defineCommand === 'function' && client.options?.enableOfflineQueue !== false) {
    problems.push(
      `storage (${name}) must use a client created with { enableOfflineQueue: false } (calls must fail fast while Redis is down, not queue and replay)`,
    );
  }
  return storage;
}
