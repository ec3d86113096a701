import type { LoggerService } from '@nestjs/common';
import type { StoreTime } from '../clock';
import type { ReplicaWait } from './config/wait-replicas';

/** Options of {@link RedisThrottleStorage}. */
export interface RedisThrottleStorageOptions {
  /**
   * Read time from this clock instead of Redis `TIME` (see `ThrottleClock.storeTime`: only test clocks
   * offer one). Production leaves it unset: one clock (Redis) keeps replicas with skewed clocks in agreement.
   */
  storeTime?: StoreTime;
  /** Whether the store quits the client in {@link close}. Default false (app-owned). */
  ownsClient?: boolean;
  /** Where a failed cross-slot withdrawal is logged (once per run of failures). Default: Nest's `Logger`, context `Throttle`. */
  logger?: LoggerService;
  /**
   * Whether the requests of one event-loop turn go to Redis as one script call (default true; see
   * `ScriptBatcher`). `false` sends one call per request, as before batching (the bench compares both).
   */
  batching?: boolean;
  /**
   * `WAIT replicas timeoutMs` pipelined behind every script (see replica-wait.ts). Default off. Each
   * request then gets its own script call and WAIT (no batching: a batch would share one WAIT).
   */
  replicaWait?: ReplicaWait;
}
