import { Logger } from '@nestjs/common';
import type { ThrottleClock } from '../clock';
import type { ThrottleConfig } from '../options/normalize-options';
import { RedisThrottleStorage } from '../redis/redis.storage';
import { ResilientThrottleStorage } from '../storage/resilient/resilient.storage';
import type { ThrottleStorage } from '../storage/throttle-storage';
import type { LeaseStore } from '../concurrency/lease-store';
import { MemoryLeaseStore } from '../concurrency/memory-leases';
import { RedisLeaseStore } from '../redis/redis-leases';

/**
 * The module's lease store, beside its rate store: none when no scope sets `concurrency`; Redis leases on
 * the rate store's own client when that is Redis (behind the same failure policy: timeout, `onStoreError`,
 * `instances`, and the rate store's circuit), else this process's memory. A custom shared store has no
 * lease script: its leases are per process (logged once at boot).
 *
 * @example
 * { provide: LeaseStore, inject: [THROTTLE_CONFIG, ThrottleStorage, ThrottleClock], useFactory: createLeaseStore }
 */
export function createLeaseStore(config: ThrottleConfig, storage: ThrottleStorage, clock: ThrottleClock): LeaseStore | undefined {
  if (config.leases.size === 0 || config.problems.length > 0) return undefined;
  const memory = new MemoryLeaseStore(clock);
  const primary = storage instanceof ResilientThrottleStorage ? storage.primary : storage;
  if (primary instanceof RedisThrottleStorage) {
    const degraded = storage instanceof ResilientThrottleStorage ? () => storage.health().circuit !== 'closed' : undefined;
    return new RedisLeaseStore(primary.client, {
      fallback: memory,
      policy: config.onStoreError,
      timeoutMs: config.storeTimeoutMs,
      instances: config.instances,
      degraded,
      storeTime: clock.storeTime(),
    });
  }
  if (storage.shared === true)
    new Logger('Throttle').warn(
      'concurrency limits need the memory or Redis store: with this custom store each process holds its own leases',
    );
  return memory;
}
