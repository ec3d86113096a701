/** The demo's environment, validated once at start-up (see .env.example). */
export interface DemoEnv {
  port: number;
  host: string;
  workers: number;
  /** Replicas of the demo (each running `workers` processes) sharing the store: THROTTLE_INSTANCES. */
  replicas: number;
  store: 'memory' | 'redis';
  redisUrl: string;
  redisClusterNodes: string[] | undefined;
  /** REDIS_SENTINELS: use Redis Sentinel (with REDIS_SENTINEL_NAME, default mymaster). */
  redisSentinels: string[] | undefined;
  redisSentinelName: string;
  redisSentinelUsername: string | undefined;
  redisSentinelPassword: string | undefined;
  /** ACL user and password of the Redis nodes (any topology). */
  redisUsername: string | undefined;
  redisPassword: string | undefined;
  /** REDIS_TLS_CA: path of a PEM CA file; turns TLS on (a REDIS_URL must then be rediss://). */
  redisTlsCa: string | undefined;
  redisWaitReplicas: number | undefined;
  configPath: string;
  rates: string | undefined;
  onStoreError: 'local' | 'allow' | 'deny';
  /** The longest a request waits for Redis before the policy decides (module `storeTimeoutMs`). */
  storeTimeoutMs: number;
  trustProxy: number | string[];
  /** THROTTLE_ADMIN_KEY: the X-Admin-Key of `DELETE /throttle/:scope/:identity`; unset turns that route off. */
  adminKey: string | undefined;
  /** THROTTLE_SHED_ELU: shed load (lowest priority first) past this event-loop utilization, e.g. 0.9; unset: off. */
  shedElu: number | undefined;
}

/** Thrown for a bad environment variable; the message names it and says what is expected. */
export class DemoEnvError extends Error {
  override readonly name = 'DemoEnvError';
}

/**
 * Reads and validates the demo's environment variables.
 *
 * @example
 * readDemoEnv({ PORT: '8080', WORKERS: '6', THROTTLE_STORE: 'redis' })
 */
export function readDemoEnv(env: NodeJS.ProcessEnv): DemoEnv {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  };
  const result: DemoEnv = {
    port: int('PORT', 3000, 0, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    workers: int('WORKERS', 1, 1, 256),
    replicas: int('THROTTLE_INSTANCES', 1, 1, 10_000),
    store: oneOf('THROTTLE_STORE', 'memory', ['memory', 'redis'] as const),
    redisUrl: env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379',
    redisClusterNodes: list(env.REDIS_CLUSTER_NODES),
    redisSentinels: list(env.REDIS_SENTINELS),
    redisSentinelName: env.REDIS_SENTINEL_NAME?.trim() || 'mymaster',
    redisSentinelUsername: text(env.REDIS_SENTINEL_USERNAME?.trim()),
    redisSentinelPassword: text(env.REDIS_SENTINEL_PASSWORD),
    redisUsername: text(env.REDIS_USERNAME?.trim()),
    redisPassword: text(env.REDIS_PASSWORD),
    redisTlsCa: text(env.REDIS_TLS_CA?.trim()),
    redisWaitReplicas: env.REDIS_WAIT_REPLICAS?.trim() ? int('REDIS_WAIT_REPLICAS', 0, 1, 64) : undefined,
    configPath: env.THROTTLE_CONFIG?.trim() || 'apps/demo/config/throttle.yaml',
    rates: env.THROTTLE_RATES?.trim() || undefined,
    onStoreError: oneOf('THROTTLE_ON_STORE_ERROR', 'local', ['local', 'allow', 'deny'] as const),
    storeTimeoutMs: int('THROTTLE_STORE_TIMEOUT_MS', 100, 1, 60_000),
    trustProxy: parseTrustProxy(env.TRUST_PROXY, problems),
    adminKey: text(env.THROTTLE_ADMIN_KEY?.trim()),
    shedElu: utilization(env.THROTTLE_SHED_ELU, problems),
  };
  if (result.redisClusterNodes && result.redisSentinels)
    problems.push('REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set: use one (Cluster or Sentinel)');
  if (problems.length > 0) throw new DemoEnvError(problems.map((p) => `Invalid environment: ${p}`).join('\n'));
  return result;
}

/** A value taken as given (passwords may hold spaces), or undefined when unset or empty. */
function text(raw: string | undefined): string | undefined {
  return raw === undefined || raw === '' ? undefined : raw;
}

function list(raw: string | undefined): string[] | undefined {
  const items = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/**
 * A hop count or a CIDR list. The entries themselves are validated by the throttle module at boot,
 * which names each bad one (`Invalid throttle config: trustProxy entry "10.0.0.0/" ...`).
 */
function parseTrustProxy(raw: string | undefined, problems: string[]): number | string[] {
  const text = raw?.trim() ?? '';
  if (text === '') return 0;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (Number.isSafeInteger(hops)) return hops;
  }
  const trust = /^\d+$/.test(text) ? undefined : list(text);
  if (trust === undefined) {
    problems.push(`TRUST_PROXY=${JSON.stringify(text)}: expected a hop count (e.g. 1) or a CIDR list (e.g. 10.0.0.0/8,::1)`);
    return 0;
  }
  return trust;
}

/** THROTTLE_SHED_ELU: a number in (0, 1), or undefined when unset. */
function utilization(raw: string | undefined, problems: string[]): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (value > 0 && value < 1) return value;
  problems.push(`THROTTLE_SHED_ELU must be a number in (0, 1), e.g. 0.9 (shed load past 90% event-loop utilization); got "${raw}"`);
  return undefined;
}
