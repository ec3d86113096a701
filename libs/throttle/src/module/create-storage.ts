import type { ThrottleClock } from '../clock';
import type { ThrottleConfig } from '../options/normalize-options';
import { connectRedis } from '../redis/redis-connection';
import { RedisThrottleStorage } from '../redis/redis.storage';
import { MemoryThrottleStorage } from '../storage/memory/memory.storage';
import type { PrimaryStorage } from '../storage/resilient/resilient-options';
import { ResilientThrottleStorage } from '../storage/resilient/resilient.storage';
import type { ThrottleStorage } from '../storage/throttle-storage';

/**
 * The module's store: `storage` if given (behind the failure policy when it says it is `shared`, as
 * `RedisThrottleStorage` does), else Redis (behind the failure policy) when `redis` is configured, else
 * the embedded memory store. Creates no connection while the config has problems (boot fails on them
 * anyway). The Redis store follows the clock's `storeTime()` when it offers one (test clocks do), else Redis `TIME`.
 *
 * @example
 * { provide: ThrottleStorage, inject: [THROTTLE_CONFIG, ThrottleClock], useFactory: createThrottleStorage }
 */
export function createThrottleStorage(config: ThrottleConfig, clock: ThrottleClock): ThrottleStorage {
  const storage = config.storage;
  if (storage !== undefined) return storage.shared === true ? behindFailurePolicy(storage, config, clock) : storage;
  if (config.redis === undefined || config.problems.length > 0) return new MemoryThrottleStorage(config.memory, clock);
  const connection = connectRedis(config.redis, config.keyPrefix, config.storeTimeoutMs);
  const redis = RedisThrottleStorage.fromConnection(connection, { storeTime: clock.storeTime(), replicaWait: config.replicaWait });
  return behindFailurePolicy(redis, config, clock, connection.description);
}

/** A shared store behind the module's failure policy: timeout, breaker, deny cache, `onStoreError`, readiness and close. */
function behindFailurePolicy(store: PrimaryStorage, config: ThrottleConfig, clock: ThrottleClock, description?: string): ThrottleStorage {
  return new ResilientThrottleStorage(store, {
    policy: config.onStoreError,
    timeoutMs: config.storeTimeoutMs,
    bootTimeoutMs: config.storeBootTimeoutMs,
    clock,
    memory: config.memory,
    instances: config.instances,
    storeName: store.health().store,
    description,
  });
}
