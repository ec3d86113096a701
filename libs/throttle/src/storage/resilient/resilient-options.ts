import type { LoggerService } from '@nestjs/common';
import type { ThrottleClock } from '../../clock';
import type { MemoryStorageOptions } from '../memory/memory.storage';
import type { ThrottleDecision, ThrottleRequest, ThrottleStorage } from '../throttle-storage';
import type { CircuitBreakerOptions } from '../circuit-breaker';

export const DEFAULT_STORE_TIMEOUT_MS = 100;

/** What to do when the shared store cannot answer in time: `local` (this process's memory store decides), `allow` (admit) or `deny` (503). */
export type OnStoreError = 'local' | 'allow' | 'deny';

/**
 * A shared store the wrapper opens at boot (ready within `waitMs`, else rejects), closes at shutdown, and
 * hears from when it is ready again. A sharded store (Redis Cluster) also names the shard (master) that
 * decides a request, hears of a shard's failure, and says when a failing shard is back or `gone`.
 */
export type PrimaryStorage = ThrottleStorage & {
  open?(waitMs: number): Promise<void>;
  close?(): Promise<void>;
  watchReady?(listener: () => void): () => void;
  /** `consume` under the store timeout, when the store bounds its own waits more cheaply (Redis: one timer per batched call). */
  consumeWithin?(request: ThrottleRequest, timeoutMs: number): Promise<ThrottleDecision>;
  shardOf?(request: ThrottleRequest): string;
  shardFailed?(shard: string): void;
  watchShards?(listener: (shard: string, reason: string, gone: boolean) => void): () => void;
  /** Keys refunded or reset by any instance (so the local deny cache forgets them); returns the unsubscribe. */
  watchForgotten?(listener: (keys: readonly string[]) => void): () => void;
};

/** Options of {@link ResilientThrottleStorage}. */
export interface ResilientStorageOptions {
  /** `local` (default): this process's own memory store decides; `allow`: admit; `deny`: throw {@link ThrottleStoreUnavailableError} (503). */
  policy?: OnStoreError;
  /** The longest a request waits for the store. Default 100. */
  timeoutMs?: number;
  /** The longest boot waits for the store to be ready before starting degraded. Default 5 000. */
  bootTimeoutMs?: number;
  /** Local time of the breaker, the deny cache and the local fallback. Default monotonic. */
  clock?: ThrottleClock;
  /** The `local` policy's store. Default: a {@link MemoryThrottleStorage} with `memory` options. */
  fallback?: ThrottleStorage;
  memory?: MemoryStorageOptions;
  /** Processes sharing the store (workers × replicas), default 1: `local` decides under `ceil(limit / instances)`. */
  instances?: number;
  breaker?: CircuitBreakerOptions;
  /** Most keys the local deny cache remembers. Default 10 000; 0 disables it. */
  denyCacheMaxKeys?: number;
  /** The name `health()` reports, and the log lines use. Default `redis`. */
  storeName?: string;
  /** Where the store is, for the log (no secrets). */
  description?: string;
  logger?: LoggerService;
}
