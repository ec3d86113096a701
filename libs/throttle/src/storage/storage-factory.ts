import type { ThrottleClock } from '../clock';
import { FakeClock } from '../testing/fake-clock';
import type { ThrottleConfig } from '../throttle-options';
import { MemoryThrottleStorage } from './memory.storage';
import { connectRedis } from './redis-connection';
import { RedisThrottleStorage } from './redis.storage';
import { ResilientThrottleStorage } from './resilient.storage';
import type { ThrottleStorage } from './throttle-storage';

/**
 * The module's store: `options.storage` if given, else Redis (behind the failure policy) when
 * `redis` is configured, else the embedded memory store. Creates no connection while the config
 * has problems (boot fails on them anyway). When the module's {@link ThrottleClock} is overridden
 * with a `FakeClock` (tests), the Redis store reads it instead of Redis `TIME`.
 *
 * @example
 * { provide: ThrottleStorage, inject: [THROTTLE_CONFIG, ThrottleClock], useFactory: createThrottleStorage }
 */
export function createThrottleStorage(config: ThrottleConfig, clock: ThrottleClock): ThrottleStorage {
  const options = config.options;
  if (options.storage) return options.storage;
  if (config.redis === undefined || config.problems.length > 0) return new MemoryThrottleStorage(options.memory, clock);
  const connection = connectRedis(config.redis, config.keyPrefix);
  const redis = RedisThrottleStorage.fromConnection(connection, { clock: clock instanceof FakeClock ? clock : undefined });
  return new ResilientThrottleStorage(redis, {
    policy: config.onStoreError,
    timeoutMs: config.storeTimeoutMs,
    clock,
    memory: options.memory,
    description: connection.description,
  });
}
