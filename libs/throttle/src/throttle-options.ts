import { compileClientIp, ClientIpResolver, TrustProxy } from './client-ip';
import { compileIdentity, IdentityResolver, ThrottleKey } from './identity';
import { formatRate, parseRate } from './rate';
import type { ThrottleMetricsOptions } from './metrics/throttle-metrics';
import type { MemoryStorageOptions } from './storage/memory.storage';
import { compileRedisOptions, RedisStoreOptions, RedisTarget } from './storage/redis-connection';
import { DEFAULT_STORE_TIMEOUT_MS } from './storage/resilient.storage';
import type { ThrottleStorage } from './storage/throttle-storage';

/** A scope with its own identity; a plain string is just the rate, keyed by the module default. */
export interface ScopeOptions {
  /** `<N>/<period>`, e.g. `60/minute`, `100/15m`. */
  rate: string;
  /** Overrides the module-wide `key` for this scope. */
  key?: ThrottleKey;
}

/** What to do when the store cannot answer (Redis down or slow). */
export type OnStoreError = 'local' | 'allow' | 'deny';

/**
 * Options of {@link ThrottleModule}.
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
  /** Use Redis as the shared store: one of `client` (app-owned), `url` or `clusterNodes` (module-owned). Ignored when `storage` is given. */
  redis?: RedisStoreOptions;
  /** When Redis is down or slow: `local` (default: per-process memory limits), `allow` (admit) or `deny` (503). */
  onStoreError?: OnStoreError;
  /** The longest a request waits for Redis before `onStoreError` decides. Default 100. */
  storeTimeoutMs?: number;
  /**
   * Fastify only: refuse a request to a key already known to be full in an `onRequest` hook, before
   * Nest's pipeline (same status, headers and body). Default true.
   */
  fastLane?: boolean;
  /** Prometheus metrics (prom-client) in a registry of their own, or in `metrics.registry`. Default on. */
  metrics?: boolean | ThrottleMetricsOptions;
}

/** One scope, compiled at boot so the hot path never parses or branches on option variants. */
export interface CompiledScope {
  readonly name: string;
  readonly rate: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly keyLabel: string;
  readonly identity: IdentityResolver;
  /** `"hi";q=60;w=60` */
  readonly policy: string;
  /** `<scope>:{`: the store key is this, the hashed identity, then `}` (the identity is the Redis Cluster hash tag). */
  readonly keyPrefix: string;
}

/** The options after validation: what the guard and the stores read. */
export interface ThrottleConfig {
  readonly scopes: ReadonlyMap<string, CompiledScope>;
  /** Every scope name in the options, valid or not (for "known scopes" in errors). */
  readonly scopeNames: readonly string[];
  /** Problems found in the options; boot fails with them (and any unknown scopes) at init. */
  readonly problems: readonly string[];
  readonly headers: boolean;
  readonly keyPrefix: string;
  readonly clientIp: ClientIpResolver;
  /** The Redis store to use, if any (validated). */
  readonly redis?: RedisTarget;
  readonly onStoreError: OnStoreError;
  readonly storeTimeoutMs: number;
  readonly options: ThrottleModuleOptions;
}

const STORE_ERROR_POLICIES: readonly OnStoreError[] = ['local', 'allow', 'deny'];
const MAX_STORE_TIMEOUT_MS = 60_000;

const SCOPE_NAME = /^[A-Za-z0-9_.-]+$/;

/** Thrown at boot with one line per problem. */
export class ThrottleConfigError extends Error {
  override readonly name = 'ThrottleConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.map((p) => `Invalid throttle config: ${p}`).join('\n'));
  }
}

/** Validates and compiles the module options; collects every problem instead of stopping at the first. */
export function normalizeOptions(options: ThrottleModuleOptions | undefined): ThrottleConfig {
  const problems: string[] = [];
  const opts: ThrottleModuleOptions = options ?? ({} as ThrottleModuleOptions);
  const scopesIn = opts.scopes;
  if (scopesIn === null || typeof scopesIn !== 'object' || Array.isArray(scopesIn)) {
    problems.push('"scopes" must be an object mapping scope names to rates, e.g. { hi: "60/minute" }');
  }
  const clientIp = attempt(problems, () => compileClientIp(opts.trustProxy), (e) => stripPrefix(e));
  const keyPrefix = opts.keyPrefix ?? 'throttle:';
  if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix)) {
    problems.push(`keyPrefix ${JSON.stringify(keyPrefix)} must be a string without "{" or "}"`);
  }
  const redis = compileRedisOptions(opts.redis, problems);
  const onStoreError = opts.onStoreError ?? 'local';
  if (!STORE_ERROR_POLICIES.includes(onStoreError)) {
    problems.push(`onStoreError ${JSON.stringify(onStoreError)} must be one of ${STORE_ERROR_POLICIES.join(', ')}`);
  }
  const storeTimeoutMs = opts.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  if (typeof storeTimeoutMs !== 'number' || !(storeTimeoutMs > 0 && storeTimeoutMs <= MAX_STORE_TIMEOUT_MS)) {
    problems.push(`storeTimeoutMs must be a number of milliseconds in (0, ${MAX_STORE_TIMEOUT_MS}], e.g. 100; got ${JSON.stringify(storeTimeoutMs)}`);
  }
  const scopes = new Map<string, CompiledScope>();
  const entries = scopesIn && typeof scopesIn === 'object' ? Object.entries(scopesIn) : [];
  for (const [name, value] of entries) {
    const scope = compileScope(name, value, opts, clientIp ?? compileClientIp(0), problems);
    if (scope) scopes.set(name, scope);
  }
  return {
    scopes,
    scopeNames: entries.map(([name]) => name),
    problems,
    headers: opts.headers ?? true,
    keyPrefix: String(keyPrefix),
    clientIp: clientIp ?? compileClientIp(0),
    redis,
    onStoreError,
    storeTimeoutMs,
    options: opts,
  };
}

function compileScope(
  name: string,
  value: unknown,
  opts: ThrottleModuleOptions,
  clientIp: ClientIpResolver,
  problems: string[],
): CompiledScope | undefined {
  if (!SCOPE_NAME.test(name)) {
    problems.push(`scope "${name}": names may use letters, digits, "_", "." and "-" only`);
    return undefined;
  }
  const spec = typeof value === 'string' ? { rate: value } : (value as ScopeOptions | undefined);
  if (spec === null || typeof spec !== 'object') {
    problems.push(`scope "${name}": expected a rate like "60/minute" or { rate, key }, got ${JSON.stringify(value)}`);
    return undefined;
  }
  const rate = attempt(problems, () => parseRate(spec.rate), (e) => `scope "${name}" rate ${JSON.stringify(spec.rate)}: ${e}`);
  const key = spec.key ?? opts.key ?? 'ip';
  const identity = attempt(problems, () => compileIdentity(key, clientIp), (e) => `scope "${name}" ${e}`);
  if (!rate || !identity) return undefined;
  return {
    name,
    rate: formatRate(rate),
    limit: rate.limit,
    windowMs: rate.windowMs,
    keyLabel: typeof key === 'function' ? 'function' : key,
    identity,
    policy: `"${name}";q=${rate.limit};w=${rate.windowMs / 1000}`,
    keyPrefix: `${name}:{`,
  };
}

function attempt<T>(problems: string[], fn: () => T, describe: (message: string) => string): T | undefined {
  try {
    return fn();
  } catch (error) {
    problems.push(describe(error instanceof Error ? error.message : String(error)));
    return undefined;
  }
}

function stripPrefix(message: string): string {
  return message.replace(/^Invalid throttle config: /, '');
}
