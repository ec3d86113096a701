import type { ThrottleClock } from '../clock';
import type { ThrottleConfig } from '../options/normalize-options';
import { connectRedis } from '../redis/redis-connection';
import { RedisThrottleStorage } from '../redis/redis.storage';
import { MemoryThrottleStorage } from '../storage/memory.storage';
import { ResilientThrottleStorage } from '../storage/resilient/resilient.storage';
import type { ThrottleStorage } from '../storage/throttle-storage';

/**
 * The module's store: `storage` if given, else Redis (behind the failure policy) when `redis` is
 * configured, else the embedded memory store. Creates no connection while the config has problems
 * (boot fails on them anyway). The Redis store follows the clock's `storeTime()` when it offers one
 * (test clocks do), else Redis `TIME`.
 *
 * @example
 * { provide: ThrottleStorage, inject: [THROTTLE_CONFIG, ThrottleClock], useFactory: createThrottleStorage }
 */
export function createThrottleStorage(config: ThrottleConfig, clock: ThrottleClock): ThrottleStorage {
  if (config.storage) return config.storage;
  if (config.redis === undefined || config.problems.length > 0) return new MemoryThrottleStorage(config.memory, clock);
  const connection = connectRedis(config.redis, config.keyPrefix, config.storeTimeoutMs);
  const redis = RedisThrottleStorage.fromConnection(connection, { storeTime: clock.storeTime(), replicaWait: config.replicaWait });
  return new ResilientThrottleStorage(redis, {
    policy: config.onStoreError,
    timeoutMs: config.storeTimeoutMs,
    bootTimeoutMs: config.storeBootTimeoutMs,
    clock,
    memory: config.memory,
    instances: config.instances,
    description: connection.description,
  });
}
