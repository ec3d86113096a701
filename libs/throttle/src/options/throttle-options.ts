import type { ShedOptions, ShedPriority } from '../shedding/shed-options';
import type { ExecutionContext, HttpException } from '@nestjs/common';
import type { MemoryStorageOptions } from '../storage/memory/memory.storage';
import type { OnStoreError } from '../storage/resilient/resilient-options';
import type { ThrottleAlgorithm, ThrottleStorage } from '../storage/throttle-storage';
import type { TrustProxy } from '../identity/client-ip';
import type { ThrottleKey } from '../identity/identity';
import type { MetricsOption } from './metrics-option';
import type { RedisStoreOptions } from '../redis/config/redis-options';
import type { ThrottleTier } from './tier';

/**
 * A scope with its own identity; a plain string is just the rate, keyed by the module default.
 *
 * @example
 * { rate: '1/s', key: 'query:api_key' }
 */
export interface ScopeOptions {
  /** `<N>/<period>`, e.g. `60/minute`, `100/15m`. Required unless the scope sets `concurrency` (then optional). */
  rate?: string;
  /**
   * At most this many requests of one client in flight at once, across every worker and replica sharing
   * the store (a lease taken at admission, released when the response ends). With or without a `rate`;
   * refused with 429 and `RateLimit-Policy: "scope";q=N;qu="concurrent-requests"`. See docs/concurrency.md.
   */
  concurrency?: number;
  /** Under load shedding (the module's `shed`): `critical` (never shed), `high`, `normal` (default) or `low` (shed first). */
  priority?: ShedPriority;
  /** With `concurrency`: how long a lease lives at most (milliseconds or `'30s'`); a process that dies holding one frees it after this. Default 30 s. */
  leaseMs?: number | string;
  /** Overrides the module-wide `key` for this scope. */
  key?: ThrottleKey;
  /** `enforce` (default) or `shadow`: decide and count, but refuse nothing and send no headers. Overrides the module's `mode`. */
  mode?: ThrottleMode;
  /** Client addresses or CIDRs this scope never throttles (added to the module's `allow`). */
  allow?: string[];
  /** Skip this scope for a request when it returns true (in addition to the module's `skipIf`). */
  skipIf?: SkipIf;
  /**
   * `sliding-log` (default: at most N in any trailing period, exact), `gcra` (the leaky bucket as a
   * meter: `burst` at once when idle, then one every period/N; one number per client in the store) or
   * `fixed-window` (`@nestjs/throttler`'s counting: N per window opened by the client's first request;
   * up to 2N may pass around a window's end). See docs/algorithms.md.
   */
  algorithm?: ThrottleAlgorithm;
  /** GCRA only: requests admitted at once by an idle client. Default: the rate's N. */
  burst?: number;
  /** Units each request of this scope consumes (default 1); a route's `@ThrottleCost` overrides it. */
  cost?: number;
  /**
   * Block a client this scope refuses for this long (`'15m'`, `'1h'`, or milliseconds), whatever its window
   * says: held in the store, so every instance refuses it, `Retry-After` and the headers telling the block's
   * end. `ThrottleService.reset` lifts it, `ThrottleService.block` sets one by hand. Sliding-log scopes only.
   */
  blockFor?: string | number;
  /**
   * Which admitted requests count, by their response's status: `all` (default), `failures` (status >= 400)
   * or `successes` (< 400). A request is admitted against the current count, its unit reserved, and
   * refunded after the response when it does not count: concurrent attempts never exceed the limit of
   * counted ones. HTTP routes (both platforms, the fast lane included); GraphQL and WebSockets count all.
   */
  count?: 'all' | 'failures' | 'successes';
  /** Instead of `count`: whether a response of this status counts (a throw counts it, logged once). */
  countIf?: (status: number) => boolean;
  /**
   * Where the client's tier is read (`user:plan`, `header:x-plan`, `query:plan`, or a function); selects a rate from `tiers`.
   * A server-chosen tier (`user:`, a function) replaces the scope's rate; a client-chosen one (`header:`, `query:`) is decided besides it.
   */
  tier?: ThrottleTier;
  /** Tier name to rate, e.g. `{ pro: '10000/hour', free: '20/hour' }`; unknown or missing tiers use `rate`. */
  tiers?: Record<string, string>;
}

/** `enforce` refuses over-limit requests; `shadow` only reports them (metrics `result="shadow_throttled"`, a debug line), invisible to clients. */
export type ThrottleMode = 'enforce' | 'shadow';

/** Skips throttling for a request (e.g. trusted callers). Runs in the guard, after authentication guards registered before it. */
export type SkipIf = (context: ExecutionContext) => boolean;

/** Which rate-limit headers to send: `both` (default), `ietf` (`RateLimit`, `RateLimit-Policy`), `legacy` (`X-RateLimit-*`) or `none`. `Retry-After` is always sent on a 429. */
export type HeaderMode = 'both' | 'ietf' | 'legacy' | 'none';

/** What a refused request carries to an `onThrottled` hook. */
export interface ThrottleRefusal {
  /** The scope that refused (the one that frees up last). */
  readonly scope: string;
  readonly limit: number;
  readonly remaining: number;
  /** Whole seconds until a retry is admitted (also in `Retry-After`). */
  readonly retryAfter: number;
  /** The framework's request (Fastify or Express). */
  readonly request: any;
  /** The Nest context; undefined when the Fastify fast lane decided (set `fastLane: false` to always have it). */
  readonly context?: ExecutionContext;
}

/**
 * Shapes the refusal: `problem+json` (an `application/problem+json` body with the rate-limit draft's
 * `quota-exceeded` problem type), or a function returning the body (sent with status 429) or an
 * `HttpException` of your own.
 */
export type OnThrottled = 'problem+json' | ((refusal: ThrottleRefusal) => HttpException | object | string);

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
  /**
   * Load shedding by priority, per process: past an event-loop utilization or delay threshold, requests of
   * the lowest priority scopes get a 503 (`critical` never). See docs/concurrency.md.
   */
  shed?: ShedOptions;
  /** Scope name to rate (`'60/minute'`) or rate and key. Every `@ThrottleScope` name must be here. */
  scopes: Record<string, string | ScopeOptions>;
  /** The default identity of every scope. Default `ip`. */
  key?: ThrottleKey;
  /** Proxies in front of the app: a hop count or trusted CIDR list. Default 0: `X-Forwarded-For` ignored. */
  trustProxy?: TrustProxy;
  /**
   * A store instance of your own; default: the embedded memory store. A store that says it is `shared`
   * (`RedisThrottleStorage`, or yours: see `ThrottleStorage.shared`) gets the failure policy below; beside
   * one that does not, `onStoreError`, `storeTimeoutMs`, `storeBootTimeoutMs`, `instances` and `redis` are refused at boot.
   */
  storage?: ThrottleStorage;
  /** Options of the embedded memory store. */
  memory?: MemoryStorageOptions;
  /** Prefix of every shared-store key (Redis: the client's `keyPrefix`). Default `throttle:`. */
  keyPrefix?: string;
  /** Which rate-limit headers to send (`true` = `both`, `false` = `none`). Default `both` (`Retry-After` is always sent on 429). */
  headers?: boolean | HeaderMode;
  /** `enforce` (default) or `shadow` for every scope that does not set its own. */
  mode?: ThrottleMode;
  /** Client addresses or CIDRs never throttled (after proxy trust; IPv6 matched by /64). Skipped requests are counted in metrics, never in the store. */
  allow?: string[];
  /** Skip throttling for a request when it returns true. */
  skipIf?: SkipIf;
  /** Shapes the 429: `problem+json` or your own body or exception. Default: the contract's JSON body. */
  onThrottled?: OnThrottled;
  /** Use Redis as the shared store (needs the `ioredis` package): one of `client`, `url` or `clusterNodes`. Not with `storage`. */
  redis?: RedisStoreOptions;
  /** When Redis (or a shared `storage`) is down or slow: `local` (default: per-process memory limits), `allow` (admit) or `deny` (503). */
  onStoreError?: OnStoreError;
  /** The longest a request waits for Redis before `onStoreError` decides. Default 100. */
  storeTimeoutMs?: number;
  /**
   * The longest boot waits for Redis to be ready (connected, every Cluster master too, the script loaded)
   * before the app starts degraded, under `onStoreError`, with one log line. Default 5 000.
   */
  storeBootTimeoutMs?: number;
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
  /**
   * Metrics: `true` or `'prometheus'` (prom-client, needs the `prom-client` package), `'otel'` (the
   * OpenTelemetry Meter and active span, needs `@opentelemetry/api`), `['prometheus', 'otel']`, or
   * `{ registry, prefix, backends, meterProvider }`. Default false.
   */
  metrics?: MetricsOption;
}
