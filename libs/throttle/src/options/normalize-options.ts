import type { OtelMetricsOptions } from '../metrics/otel-metrics';
import type { ThrottleMetricsOptions } from '../metrics/throttle-metrics';
import type { MemoryStorageOptions } from '../storage/memory/memory.storage';
import { DEFAULT_STORE_TIMEOUT_MS, OnStoreError } from '../storage/resilient/resilient-options';
import { DEFAULT_STORE_BOOT_TIMEOUT_MS } from '../storage/resilient/store-timeout';
import type { ThrottleStorage } from '../storage/throttle-storage';
import { storageOption } from './storage-option';
import { compileClientIp } from '../identity/client-ip';
import { attempt, compileScope, CompiledScope } from './compile-scope';
import { checkKnownKeys } from './grammar/known-keys';
import { metricsOption } from './metrics-option';
import { compileRedisOptions, RedisTarget } from '../redis/config/redis-options';
import { compileReplicaWait, ReplicaWait } from '../redis/config/wait-replicas';
import type { LeaseScope } from '../concurrency/lease-options';
import { CompiledShed, compilePriority, compileShed, ShedPriority } from '../shedding/shed-options';
import type { HeaderMode, OnThrottled, ThrottleModuleOptions } from './throttle-options';

export type { CompiledScope } from './compile-scope';

/** The options after validation: what the guard, the fast lane and the stores read. */
export interface ThrottleConfig {
  /** The scopes with a rate. */
  readonly scopes: ReadonlyMap<string, CompiledScope>;
  /** The scopes with a concurrency limit (`concurrency`; a scope may be in both maps). */
  readonly leases: ReadonlyMap<string, LeaseScope>;
  /** Each scope's `priority` under load shedding. */
  readonly priorities: ReadonlyMap<string, ShedPriority>;
  /** Load shedding, when `shed` is set. */
  readonly shed?: CompiledShed;
  /** Every scope name in the options, valid or not (for "known scopes" in errors). */
  readonly scopeNames: readonly string[];
  /** Problems found in the options; boot fails with them (and any unknown scopes) at init. */
  readonly problems: readonly string[];
  readonly headers: HeaderMode;
  readonly fastLane: boolean;
  readonly onThrottled?: OnThrottled;
  /** `false`, or the Prometheus metrics' options. */
  readonly metrics: false | ThrottleMetricsOptions;
  /** `false`, or the OpenTelemetry metrics' options. */
  readonly otel: false | OtelMetricsOptions;
  readonly keyPrefix: string;
  readonly storage?: ThrottleStorage;
  readonly memory?: MemoryStorageOptions;
  /** The Redis store to use, if any (validated). */
  readonly redis?: RedisTarget;
  /** `redis.waitReplicas`: WAIT for replicas after each script (validated against the store timeout). */
  readonly replicaWait?: ReplicaWait;
  readonly onStoreError: OnStoreError;
  readonly storeTimeoutMs: number;
  readonly storeBootTimeoutMs: number;
  /** Processes sharing the store; the `local` fallback decides under `ceil(limit / instances)`. */
  readonly instances: number;
}

const MODULE_KEYS = [
  'scopes',
  'key',
  'trustProxy',
  'storage',
  'memory',
  'keyPrefix',
  'headers',
  'redis',
  'onStoreError',
  'storeTimeoutMs',
  'storeBootTimeoutMs',
  'instances',
  'fastLane',
  'metrics',
  'mode',
  'allow',
  'skipIf',
  'onThrottled',
  'shed',
];
const HEADER_MODES: readonly HeaderMode[] = ['both', 'ietf', 'legacy', 'none'];
const STORE_ERROR_POLICIES: readonly OnStoreError[] = ['local', 'allow', 'deny'];
const MAX_STORE_TIMEOUT_MS = 60_000;

/** Validates and compiles the module options; collects every problem instead of stopping at the first. */
export function normalizeOptions(options: ThrottleModuleOptions | undefined): ThrottleConfig {
  const problems: string[] = [];
  const opts = isObject(options) ? options : ({} as ThrottleModuleOptions);
  if (!isObject(options))
    problems.push(`the module options must be an object like { scopes: { hi: "60/minute" } }, got ${JSON.stringify(options)}`);
  checkKnownKeys(opts, MODULE_KEYS, 'module option', problems);
  if (!isObject(opts.scopes)) problems.push('"scopes" must be an object mapping scope names to rates, e.g. { hi: "60/minute" }');
  const clientIp =
    attempt(
      problems,
      () => compileClientIp(opts.trustProxy),
      (e) => e.replace(/^Invalid throttle config: /, ''),
    ) ?? compileClientIp(0);
  const keyPrefix = opts.keyPrefix ?? 'throttle:';
  if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix))
    problems.push(`keyPrefix ${JSON.stringify(keyPrefix)} must be a string without "{" or "}"`);
  const onStoreError = opts.onStoreError ?? 'local';
  if (!STORE_ERROR_POLICIES.includes(onStoreError))
    problems.push(`onStoreError ${JSON.stringify(onStoreError)} must be one of ${STORE_ERROR_POLICIES.join(', ')}`);
  const storeTimeoutMs = milliseconds(opts.storeTimeoutMs, 'storeTimeoutMs', DEFAULT_STORE_TIMEOUT_MS, problems);
  const storeBootTimeoutMs = milliseconds(opts.storeBootTimeoutMs, 'storeBootTimeoutMs', DEFAULT_STORE_BOOT_TIMEOUT_MS, problems);
  const metrics = metricsOption(opts.metrics, problems);
  const scopes = new Map<string, CompiledScope>();
  const leases = new Map<string, LeaseScope>();
  const priorities = new Map<string, ShedPriority>();
  const entries = isObject(opts.scopes) ? Object.entries(opts.scopes) : [];
  for (const [name, value] of entries) {
    const scope = compileScope(name, value, opts, clientIp, problems, leases);
    if (scope) scopes.set(name, scope);
    priorities.set(name, compilePriority(name, isObject(value) ? value.priority : undefined, problems));
  }
  return {
    scopes,
    leases,
    priorities,
    shed: compileShed(opts.shed, problems),
    scopeNames: entries.map(([name]) => name),
    problems,
    headers: headerMode(opts.headers, problems),
    onThrottled: onThrottledOption(opts.onThrottled, problems),
    fastLane: flag(opts.fastLane, 'fastLane', true, problems),
    metrics: metrics.prometheus,
    otel: metrics.otel,
    keyPrefix: String(keyPrefix),
    storage: storageOption(opts, problems),
    memory: memoryOption(opts.memory, problems),
    redis: compileRedisOptions(opts.redis, problems),
    replicaWait: compileReplicaWait(opts.redis, typeof storeTimeoutMs === 'number' ? storeTimeoutMs : DEFAULT_STORE_TIMEOUT_MS, problems),
    onStoreError,
    storeTimeoutMs,
    storeBootTimeoutMs,
    instances: instancesOption(opts.instances, problems),
  };
}

function headerMode(value: unknown, problems: string[]): HeaderMode {
  if (value === undefined || value === true) return 'both';
  if (value === false) return 'none';
  if (HEADER_MODES.includes(value as HeaderMode)) return value as HeaderMode;
  problems.push(`headers must be true, false or one of ${HEADER_MODES.join(', ')}, got ${JSON.stringify(value)}`);
  return 'both';
}

function onThrottledOption(value: unknown, problems: string[]): OnThrottled | undefined {
  if (value === undefined || value === 'problem+json' || typeof value === 'function') return value as OnThrottled | undefined;
  problems.push(`onThrottled must be "problem+json" or a function (refusal) => body or HttpException, got ${JSON.stringify(value)}`);
  return undefined;
}

/** How many processes (workers × replicas) share the store: a positive integer, default 1. */
function instancesOption(value: unknown, problems: string[]): number {
  if (value === undefined) return 1;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  problems.push(
    `instances must be a positive integer (the processes sharing the store, e.g. workers × replicas), got ${JSON.stringify(value)}`,
  );
  return 1;
}

/** A boolean option: `true`/`false` only (a string "false" from an env file is refused, not read as true). */
function flag(value: unknown, name: string, fallback: boolean, problems: string[]): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  problems.push(`${name} must be true or false, got ${JSON.stringify(value)}${typeof value === 'string' ? ' (a string)' : ''}`);
  return fallback;
}

/** A duration option: a number of milliseconds in (0, 60 000]. */
function milliseconds(value: unknown, name: string, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value > 0 && value <= MAX_STORE_TIMEOUT_MS) return value;
  problems.push(`${name} must be a number of milliseconds in (0, ${MAX_STORE_TIMEOUT_MS}], e.g. ${fallback}; got ${JSON.stringify(value)}`);
  return fallback;
}

function memoryOption(value: unknown, problems: string[]): MemoryStorageOptions | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    problems.push(`memory must be an object like { maxKeys: 100000 }, got ${JSON.stringify(value)}`);
    return undefined;
  }
  checkKnownKeys(value, ['maxKeys'], 'memory option', problems);
  const maxKeys = (value as MemoryStorageOptions).maxKeys;
  if (maxKeys !== undefined && !(Number.isSafeInteger(maxKeys) && maxKeys > 0))
    problems.push(`memory.maxKeys must be a positive integer, got ${JSON.stringify(maxKeys)}`);
  return value as MemoryStorageOptions;
}

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
