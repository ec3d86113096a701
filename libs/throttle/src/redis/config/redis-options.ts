import type { Cluster, Redis } from 'ioredis';
import { checkKnownKeys } from '../../options/grammar/known-keys';
import { compileClient } from './app-client';
import { compileEndpoints, compileNatMap, RedisEndpoint, RedisNatMap } from './redis-endpoints';
import { compileAuth, compileTls, RedisAuth, RedisTlsOptions } from './redis-security';
import { credentialProblem, redactUrl } from './redis-url';

/**
 * Where the Redis store connects: exactly one of `client`, `url`, `clusterNodes`, `sentinels`; the
 * other keys say how (auth, TLS, address translation) and whether admissions wait for replicas.
 *
 * @example
 * { url: 'rediss://throttle:secret@cache.internal:6380/2', tls: { ca: readFileSync('ca.pem') } }
 * { clusterNodes: ['10.0.0.1:6379', '10.0.0.2:6379'], username: 'throttle', password: 'secret', tls: true }
 * { sentinels: ['10.0.0.1:26379', '10.0.0.2:26379', '10.0.0.3:26379'], name: 'mymaster', password: 'secret' }
 * { client: app.get(MyRedis) } // app-owned: never closed by the store; its own keyPrefix applies
 */
export interface RedisStoreOptions {
  /** A client the app owns (`Redis` or `Cluster`). The store never closes it, and keys get the client's own `keyPrefix` (the module `keyPrefix` is not applied). Give it `enableOfflineQueue: false` so calls fail fast while it is disconnected. */
  client?: Redis | Cluster;
  /** `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS). The module creates, owns and quits the client. */
  url?: string;
  /** Redis Cluster seed nodes as `host:port`; the module creates, owns and quits the `Cluster` client. */
  clusterNodes?: string[];
  /** Redis Sentinel addresses as `host:port`; the module asks them for the master of {@link name} and follows failovers. */
  sentinels?: string[];
  /** With `sentinels`: the monitored master's name (`sentinel monitor <name> ...`), e.g. `mymaster`. */
  name?: string;
  /** ACL user of the Redis nodes (with `password`). In a URL, write it there instead. */
  username?: string;
  /** Password of the Redis nodes (`requirepass`, or the ACL user's). In a URL, write it there instead. */
  password?: string;
  /** With `sentinels`: the sentinels' own ACL user and password (`requirepass` in sentinel.conf). */
  sentinelUsername?: string;
  sentinelPassword?: string;
  /** TLS to the Redis nodes: `true` (public CAs) or options (CA, servername, ...). A `url` must then be `rediss://`. */
  tls?: boolean | RedisTlsOptions;
  /** With `sentinels`: TLS to the sentinels themselves (default none). */
  sentinelTls?: boolean | RedisTlsOptions;
  /** With `clusterNodes` or `sentinels`: announced `host:port` → reachable address (managed deployments behind NAT). */
  natMap?: RedisNatMap;
  /** After each script, `WAIT` until this many replicas acknowledged it (fewer admissions forgotten by a failover, at a latency cost). Default off. */
  waitReplicas?: number;
  /** The longest that `WAIT` blocks, in whole milliseconds, below `storeTimeoutMs`. Default half of `storeTimeoutMs`. */
  waitTimeoutMs?: number;
}

/** The Redis options after validation: one variant, decided once at boot. */
export type RedisTarget =
  | { readonly kind: 'client'; readonly client: Redis | Cluster }
  | { readonly kind: 'url'; readonly url: string; readonly auth?: RedisAuth; readonly tls?: RedisTlsOptions }
  | {
      readonly kind: 'cluster';
      readonly nodes: readonly RedisEndpoint[];
      readonly auth?: RedisAuth;
      readonly tls?: RedisTlsOptions;
      readonly natMap?: Record<string, RedisEndpoint>;
    }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisEndpoint[];
      readonly name: string;
      readonly auth?: RedisAuth;
      readonly sentinelAuth?: RedisAuth;
      readonly tls?: RedisTlsOptions;
      readonly sentinelTls?: RedisTlsOptions;
      readonly natMap?: Record<string, RedisEndpoint>;
    };

type Kind = RedisTarget['kind'];
const TARGET_KEYS: Record<Kind, 'client' | 'url' | 'clusterNodes' | 'sentinels'> = {
  client: 'client',
  url: 'url',
  cluster: 'clusterNodes',
  sentinel: 'sentinels',
};
const CONNECTING: readonly Kind[] = ['url', 'cluster', 'sentinel'];
/** Which targets each modifier applies to (the wait options apply to all, and are compiled in replica-wait.ts). */
const APPLIES_TO: Record<string, readonly Kind[]> = {
  username: CONNECTING,
  password: CONNECTING,
  tls: CONNECTING,
  name: ['sentinel'],
  sentinelUsername: ['sentinel'],
  sentinelPassword: ['sentinel'],
  sentinelTls: ['sentinel'],
  natMap: ['cluster', 'sentinel'],
};
const KNOWN_KEYS = [...Object.values(TARGET_KEYS), ...Object.keys(APPLIES_TO), 'waitReplicas', 'waitTimeoutMs'];
const ONE_OF = 'client, url, clusterNodes or sentinels';

/**
 * Validates `redis` options, pushing one readable line per problem; returns the target or undefined.
 *
 * @example
 * const problems: string[] = [];
 * compileRedisOptions({ url: 'xyz' }, problems);
 * // problems: ['redis.url "xyz" is not a redis:// or rediss:// URL (e.g. redis://:password@host:6379/0 or rediss://host:6380)']
 */
export function compileRedisOptions(redis: unknown, problems: string[]): RedisTarget | undefined {
  if (redis === undefined) return undefined;
  if (redis === null || typeof redis !== 'object' || Array.isArray(redis)) {
    problems.push(`redis must be an object with one of ${ONE_OF}`);
    return undefined;
  }
  checkKnownKeys(redis, KNOWN_KEYS, 'redis option', problems);
  const options = redis as RedisStoreOptions & Record<string, unknown>;
  const given = (Object.keys(TARGET_KEYS) as Kind[]).filter((kind) => options[TARGET_KEYS[kind]] !== undefined);
  if (given.length !== 1) {
    const got = given.length === 0 ? 'none' : `${given.map((kind) => TARGET_KEYS[kind]).join(' and ')}`;
    problems.push(`redis needs exactly one of ${ONE_OF} (got ${got})`);
    return undefined;
  }
  const kind = given[0];
  const before = problems.length;
  for (const [key, kinds] of Object.entries(APPLIES_TO)) {
    if (options[key] === undefined || kinds.includes(kind)) continue;
    const where = kinds.map((k) => `redis.${TARGET_KEYS[k]}`).join(' or ');
    const why = kind === 'client' ? ' (an app-owned client brings its own)' : '';
    problems.push(`redis.${key} applies only with ${where}, not with redis.${TARGET_KEYS[kind]}${why}`);
  }
  const target = compileTarget(kind, options, problems);
  return problems.length === before ? target : undefined;
}

function compileTarget(kind: Kind, options: RedisStoreOptions & Record<string, unknown>, problems: string[]): RedisTarget | undefined {
  if (kind === 'client') return compileClient(options.client, problems);
  const auth = compileAuth(options, 'username', 'password', 'redis', problems);
  const tls = compileTls(options.tls, 'redis.tls', problems);
  if (kind === 'url') return compileUrl(options.url, auth, tls, options.tls, problems);
  const natMap = compileNatMap(options.natMap, 'redis.natMap', problems);
  if (kind === 'cluster') {
    const nodes = compileEndpoints(options.clusterNodes, 'redis.clusterNodes', '10.0.0.1:6379', problems);
    return nodes && { kind, nodes, ...defined({ auth, tls, natMap }) };
  }
  const sentinels = compileEndpoints(options.sentinels, 'redis.sentinels', '10.0.0.1:26379', problems);
  const name = options.name;
  const named = typeof name === 'string' && /^\S+$/.test(name);
  if (!named)
    problems.push(
      `redis.name must name the master the sentinels monitor (sentinel monitor <name> ...), e.g. "mymaster"; got ${JSON.stringify(name)}`,
    );
  const sentinelAuth = compileAuth(options, 'sentinelUsername', 'sentinelPassword', 'redis', problems);
  const sentinelTls = compileTls(options.sentinelTls, 'redis.sentinelTls', problems);
  return sentinels && named ? { kind, sentinels, name, ...defined({ auth, sentinelAuth, tls, sentinelTls, natMap }) } : undefined;
}

function compileUrl(
  url: unknown,
  auth: RedisAuth | undefined,
  tls: RedisTlsOptions | undefined,
  rawTls: unknown,
  problems: string[],
): RedisTarget | undefined {
  const bad = (why: string) => {
    problems.push(`redis.url ${JSON.stringify(redactUrl(url))} ${why} (e.g. redis://:password@host:6379/0 or rediss://host:6380)`);
    return undefined;
  };
  if (typeof url !== 'string') return bad('must be a string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const hint = url.includes('@')
      ? ' (a password holding "/", "@", ":" or "%" is written percent-encoded, or given as redis.password)'
      : '';
    return bad(`is not a redis:// or rediss:// URL${hint}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    return bad(`has scheme "${parsed.protocol}", expected redis: or rediss:`);
  if (parsed.hostname === '') return bad('has no host');
  if (parsed.username === '' && parsed.password === '' && url.includes('@'))
    return bad('has an "@" outside its user:password@ part (a password holding "/", "#" or "?" is written percent-encoded)');
  const credentials = credentialProblem(parsed);
  if (credentials !== undefined) return bad(credentials);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) return bad(`has database "${db}", expected a number`);
  if (auth !== undefined && (parsed.password !== '' || parsed.username !== '')) {
    return bad('carries credentials and redis.username/password are set too: give them once');
  }
  if (parsed.protocol === 'redis:' && rawTls !== undefined && rawTls !== false) {
    return bad('is plain redis:// but redis.tls is set: use rediss:// for TLS');
  }
  if (parsed.protocol === 'rediss:' && rawTls === false) return bad('is rediss:// (TLS) but redis.tls is false');
  return { kind: 'url', url, ...defined({ auth, tls }) };
}

/** The entries whose value is defined (so targets carry only what was configured). */
function defined<T extends Record<string, unknown>>(entries: T): Partial<T> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Partial<T>;
}
