import type { ThrottleMetricsOptions } from '../metrics/throttle-metrics';
import type { MemoryStorageOptions } from '../storage/memory.storage';
import type { OnStoreError } from '../storage/resilient/resilient.storage';
import type { ThrottleStorage } from '../storage/throttle-storage';
import type { TrustProxy } from './client-ip';
import type { ThrottleKey } from './identity';
import type { RedisStoreOptions } from './redis-options';

/**
 * A scope with its own identity; a plain string is just the rate, keyed by the module default.
 *
 * @example
 * { rate: '1/s', key: 'query:api_key' }
 */
export interface ScopeOptions {
  /** `<N>/<period>`, e.g. `60/minute`, `100/15m`. */
  rate: string;
  /** Overrides the module-wide `key` for this scope. */
  key?: ThrottleKey;
}

/**
 * Options of {@link ThrottleModule}. Unknown keys and mistyped values stop boot with a message naming them.
 *
 * @example
 * ThrottleModule.forRoot({
 *   scopes: { hi: '60/minute', api_key: { rate: '1/s', key: 'query:api_key' } },
 *   trustProxy: 1,
 * })
 */
export interface ThrottleModuleOptions {
  /** Scope name to rate (`'60/minute'`) or rate and key. Every `@ThrottleScope` name must be here. */
  scopes: Record<string, string | ScopeOptions>;
  /** The default identity of every scope. Default `ip`. */
  key?: ThrottleKey;
  /** Proxies in front of the app: a hop count or trusted CIDR list. Default 0: `X-Forwarded-For` ignored. */
  trustProxy?: TrustProxy;
  /** A store instance of your own; default: the embedded memory store. */
  storage?: ThrottleStorage;
  /** Options of the embedded memory store. */
  memory?: MemoryStorageOptions;
  /** Prefix of every shared-store key (Redis: the client's `keyPrefix`). Default `throttle:`. */
  keyPrefix?: string;
  /** Send the `RateLimit*`, `X-RateLimit-*` headers. Default true (`Retry-After` is always sent on 429). */
  headers?: boolean;
  /** Use Redis as the shared store (needs the `ioredis` package): one of `client`, `url` or `clusterNodes`. Ignored when `storage` is given. */
  redis?: RedisStoreOptions;
  /** When Redis is down or slow: `local` (default: per-process memory limits), `allow` (admit) or `deny` (503). */
  onStoreError?: OnStoreError;
  /** The longest a request waits for Redis before `onStoreError` decides. Default 100. */
  storeTimeoutMs?: number;
  /**
   * How many processes share the store: workers × replicas. Default 1. Under `onStoreError: 'local'`,
   * each process decides under its share of every limit, `ceil(limit / instances)` (the window
   * unchanged), so while Redis is down the fleet stays near the global limit instead of `instances`
   * times it; the rate-limit headers report that share. Used by the Redis store's fallback only.
   *
   * @example
   * instances: Number(process.env.WORKERS) * Number(process.env.REPLICAS)
   */
  instances?: number;
  /**
   * Fastify only: decide requests whose identities are known early (ip, header, query) in an
   * `onRequest` hook, before Nest's pipeline (same status, headers and body). Default true.
   */
  fastLane?: boolean;
  /** Prometheus metrics (needs the `prom-client` package): `true`, or `{ registry, prefix }`. Default false. */
  metrics?: boolean | ThrottleMetricsOptions;
}
