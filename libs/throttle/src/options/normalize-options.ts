import { Logger } from '@nestjs/common';
import type { ThrottleMetricsOptions } from '../metrics/throttle-metrics';
import type { MemoryStorageOptions } from '../storage/memory.storage';
import { DEFAULT_STORE_TIMEOUT_MS, OnStoreError } from '../storage/resilient/resilient.storage';
import { scopeKeyPrefix } from '../storage/store-key';
import type { ThrottleStorage } from '../storage/throttle-storage';
import { compileClientIp, ClientIpResolver } from './client-ip';
import { checkKnownKeys } from './known-keys';
import { compileIdentity, CompiledIdentity, USER_MISSING_AFTER } from './identity';
import { formatRate, parseRate } from './rate';
import { compileRedisOptions, RedisTarget } from './redis-options';
import { compileReplicaWait, ReplicaWait } from './replica-wait';
import type { ScopeOptions, ThrottleModuleOptions } from './throttle-options';

/** One scope, compiled at boot so the hot path never parses or branches on option variants. */
export interface CompiledScope {
  readonly name: string;
  /** The rate in its shortest form (`60/m`). */
  readonly rate: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly identity: CompiledIdentity;
  /** `"hi";q=60;w=60` */
  readonly policy: string;
  /** The start of every store key of the scope (see `storage/store-key.ts`). */
  readonly keyPrefix: string;
}

/** The options after validation: what the guard, the fast lane and the stores read. */
export interface ThrottleConfig {
  readonly scopes: ReadonlyMap<string, CompiledScope>;
  /** Every scope name in the options, valid or not (for "known scopes" in errors). */
  readonly scopeNames: readonly string[];
  /** Problems found in the options; boot fails with them (and any unknown scopes) at init. */
  readonly problems: readonly string[];
  readonly headers: boolean;
  readonly fastLane: boolean;
  /** `false`, or the metrics' options. */
  readonly metrics: false | ThrottleMetricsOptions;
  readonly keyPrefix: string;
  readonly storage?: ThrottleStorage;
  readonly memory?: MemoryStorageOptions;
  /** The Redis store to use, if any (validated). */
  readonly redis?: RedisTarget;
  /** `redis.waitReplicas`: WAIT for replicas after each script (validated against the store timeout). */
  readonly replicaWait?: ReplicaWait;
  readonly onStoreError: OnStoreError;
  readonly storeTimeoutMs: number;
}

const MODULE_KEYS = ['scopes', 'key', 'trustProxy', 'storage', 'memory', 'keyPrefix', 'headers', 'redis', 'onStoreError', 'storeTimeoutMs', 'fastLane', 'metrics'];
const SCOPE_KEYS = ['rate', 'key'];
const STORE_ERROR_POLICIES: readonly OnStoreError[] = ['local', 'allow', 'deny'];
const MAX_STORE_TIMEOUT_MS = 60_000;
const SCOPE_NAME = /^[A-Za-z0-9_.-]+$/;

/** Validates and compiles the module options; collects every problem instead of stopping at the first. */
export function normalizeOptions(options: ThrottleModuleOptions | undefined): ThrottleConfig {
  const problems: string[] = [];
  const opts = isObject(options) ? options : ({} as ThrottleModuleOptions);
  if (!isObject(options)) problems.push(`the module options must be an object like { scopes: { hi: "60/minute" } }, got ${JSON.stringify(options)}`);
  checkKnownKeys(opts, MODULE_KEYS, 'module option', problems);
  if (!isObject(opts.scopes)) problems.push('"scopes" must be an object mapping scope names to rates, e.g. { hi: "60/minute" }');
  const clientIp = attempt(problems, () => compileClientIp(opts.trustProxy), (e) => e.replace(/^Invalid throttle config: /, '')) ?? compileClientIp(0);
  const keyPrefix = opts.keyPrefix ?? 'throttle:';
  if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix)) problems.push(`keyPrefix ${JSON.stringify(keyPrefix)} must be a string without "{" or "}"`);
  const onStoreError = opts.onStoreError ?? 'local';
  if (!STORE_ERROR_POLICIES.includes(onStoreError)) problems.push(`onStoreError ${JSON.stringify(onStoreError)} must be one of ${STORE_ERROR_POLICIES.join(', ')}`);
  const storeTimeoutMs = opts.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  if (typeof storeTimeoutMs !== 'number' || !(storeTimeoutMs > 0 && storeTimeoutMs <= MAX_STORE_TIMEOUT_MS)) {
    problems.push(`storeTimeoutMs must be a number of milliseconds in (0, ${MAX_STORE_TIMEOUT_MS}], e.g. 100; got ${JSON.stringify(storeTimeoutMs)}`);
  }
  const scopes = new Map<string, CompiledScope>();
  const entries = isObject(opts.scopes) ? Object.entries(opts.scopes) : [];
  for (const [name, value] of entries) {
    const scope = compileScope(name, value, opts, clientIp, problems);
    if (scope) scopes.set(name, scope);
  }
  return {
    scopes,
    scopeNames: entries.map(([name]) => name),
    problems,
    headers: flag(opts.headers, 'headers', true, problems),
    fastLane: flag(opts.fastLane, 'fastLane', true, problems),
    metrics: metricsOption(opts.metrics, problems),
    keyPrefix: String(keyPrefix),
    storage: storageOption(opts.storage, problems),
    memory: memoryOption(opts.memory, problems),
    redis: compileRedisOptions(opts.redis, problems),
    replicaWait: compileReplicaWait(opts.redis, typeof storeTimeoutMs === 'number' ? storeTimeoutMs : DEFAULT_STORE_TIMEOUT_MS, problems),
    onStoreError,
    storeTimeoutMs,
  };
}

function compileScope(name: string, value: unknown, opts: ThrottleModuleOptions, clientIp: ClientIpResolver, problems: string[]): CompiledScope | undefined {
  if (!SCOPE_NAME.test(name)) {
    problems.push(`scope "${name}": names may use letters, digits, "_", "." and "-" only`);
    return undefined;
  }
  const spec = typeof value === 'string' ? { rate: value } : (value as ScopeOptions | undefined);
  if (!isObject(spec)) {
    problems.push(`scope "${name}": expected a rate like "60/minute" or { rate, key }, got ${JSON.stringify(value)}`);
    return undefined;
  }
  checkKnownKeys(spec, SCOPE_KEYS, `key in scope "${name}":`, problems);
  const rate = attempt(problems, () => parseRate(spec.rate), (e) => `scope "${name}" rate ${JSON.stringify(spec.rate)}: ${e}`);
  const onUserMissing = () =>
    new Logger('Throttle').warn(
      `scope "${name}" is keyed by user, but ${USER_MISSING_AFTER} requests came without request.user: they are limited by IP. ` +
        'The throttle guard runs before controller guards: set request.user in middleware or in a global guard registered before ThrottleModule.',
    );
  const identity = attempt(problems, () => compileIdentity(spec.key ?? opts.key ?? 'ip', clientIp, onUserMissing), (e) => `scope "${name}" ${e}`);
  if (!rate || !identity) return undefined;
  return {
    name,
    rate: formatRate(rate),
    limit: rate.limit,
    windowMs: rate.windowMs,
    identity,
    policy: `"${name}";q=${rate.limit};w=${rate.windowMs / 1000}`,
    keyPrefix: scopeKeyPrefix(name),
  };
}

/** A boolean option: `true`/`false` only (a string "false" from an env file is refused, not read as true). */
function flag(value: unknown, name: string, fallback: boolean, problems: string[]): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  problems.push(`${name} must be true or false, got ${JSON.stringify(value)}${typeof value === 'string' ? ' (a string)' : ''}`);
  return fallback;
}

function metricsOption(value: unknown, problems: string[]): false | ThrottleMetricsOptions {
  if (value === undefined || value === false) return false;
  if (value === true) return {};
  if (isObject(value)) {
    checkKnownKeys(value, ['registry', 'prefix'], 'metrics option', problems);
    return value as ThrottleMetricsOptions;
  }
  problems.push(`metrics must be true, false or { registry, prefix }, got ${JSON.stringify(value)}`);
  return false;
}

function memoryOption(value: unknown, problems: string[]): MemoryStorageOptions | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    problems.push(`memory must be an object like { maxKeys: 100000 }, got ${JSON.stringify(value)}`);
    return undefined;
  }
  checkKnownKeys(value, ['maxKeys'], 'memory option', problems);
  const maxKeys = (value as MemoryStorageOptions).maxKeys;
  if (maxKeys !== undefined && !(Number.isSafeInteger(maxKeys) && maxKeys > 0)) problems.push(`memory.maxKeys must be a positive integer, got ${JSON.stringify(maxKeys)}`);
  return value as MemoryStorageOptions;
}

function storageOption(value: unknown, problems: string[]): ThrottleStorage | undefined {
  if (value === undefined) return undefined;
  if (typeof (value as ThrottleStorage | null)?.consume === 'function') return value as ThrottleStorage;
  problems.push('storage must be a ThrottleStorage instance (an object with consume(request))');
  return undefined;
}

function attempt<T>(problems: string[], fn: () => T, describe: (message: string) => string): T | undefined {
  try {
    return fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const line of message.split('\n')) problems.push(describe(line)); // one problem per line
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
