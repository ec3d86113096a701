import { Cluster, Redis } from 'ioredis';

/**
 * Where the Redis store connects: exactly one of `client`, `url`, `clusterNodes`.
 *
 * @example
 * { url: 'rediss://:secret@cache.internal:6380/2' }
 * { clusterNodes: ['10.0.0.1:6379', '10.0.0.2:6379', '10.0.0.3:6379'] }
 * { client: app.get(MyRedis) } // app-owned: never closed by the store; its own keyPrefix applies
 */
export interface RedisStoreOptions {
  /** A client the app owns (`Redis` or `Cluster`). The store never closes it, and keys get the client's own `keyPrefix` (the module `keyPrefix` is not applied). Give it `enableOfflineQueue: false` so calls fail fast while it is disconnected. */
  client?: Redis | Cluster;
  /** `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS). The module creates, owns and quits the client. */
  url?: string;
  /** Redis Cluster seed nodes as `host:port`; the module creates, owns and quits the `Cluster` client. */
  clusterNodes?: string[];
}

/** The Redis options after validation: one variant, decided once at boot. */
export type RedisTarget =
  | { readonly kind: 'client'; readonly client: Redis | Cluster }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly { host: string; port: number }[] };

/** How long boot waits for a module-owned client to connect before running degraded. */
export const BOOT_CONNECT_WAIT_MS = 2_000;

/**
 * Validates `redis` options, pushing one readable line per problem; returns the target or undefined.
 *
 * @example
 * const problems: string[] = [];
 * compileRedisOptions({ url: 'xyz' }, problems);
 * // problems: ['redis.url "xyz" is not a redis:// or rediss:// URL (e.g. redis://:password@host:6379/0)']
 */
export function compileRedisOptions(redis: unknown, problems: string[]): RedisTarget | undefined {
  if (redis === undefined) return undefined;
  if (redis === null || typeof redis !== 'object' || Array.isArray(redis)) {
    problems.push('redis must be an object with one of client, url or clusterNodes');
    return undefined;
  }
  const { client, url, clusterNodes } = redis as RedisStoreOptions;
  const given = [client, url, clusterNodes].filter((v) => v !== undefined).length;
  if (given !== 1) {
    problems.push(`redis needs exactly one of client, url or clusterNodes (got ${given === 0 ? 'none' : 'several'})`);
    return undefined;
  }
  if (client !== undefined) return compileClient(client, problems);
  if (url !== undefined) return compileUrl(url, problems);
  return compileNodes(clusterNodes, problems);
}

function compileClient(client: unknown, problems: string[]): RedisTarget | undefined {
  if (client instanceof Redis || client instanceof Cluster) return { kind: 'client', client };
  const looksLikeClient = typeof (client as Redis | undefined)?.defineCommand === 'function';
  if (looksLikeClient) return { kind: 'client', client: client as Redis }; // another copy of ioredis
  problems.push('redis.client must be an ioredis Redis or Cluster instance');
  return undefined;
}

function compileUrl(url: unknown, problems: string[]): RedisTarget | undefined {
  const bad = (why: string) => {
    problems.push(`redis.url ${JSON.stringify(url)} ${why} (e.g. redis://:password@host:6379/0 or rediss://host:6380)`);
    return undefined;
  };
  if (typeof url !== 'string') return bad('must be a string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad('is not a redis:// or rediss:// URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return bad(`has scheme "${parsed.protocol}", expected redis: or rediss:`);
  if (parsed.hostname === '') return bad('has no host');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) return bad(`has database "${db}", expected a number`);
  return { kind: 'url', url };
}

function compileNodes(nodes: unknown, problems: string[]): RedisTarget | undefined {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    problems.push('redis.clusterNodes must be a non-empty list of "host:port", e.g. ["10.0.0.1:6379"]');
    return undefined;
  }
  const parsed: { host: string; port: number }[] = [];
  for (const node of nodes) {
    const match = typeof node === 'string' ? /^\[?([^\s\[\]]+?)\]?:(\d{1,5})$/.exec(node.trim()) : null;
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65_535) {
      problems.push(`redis.clusterNodes entry ${JSON.stringify(node)} is not "host:port" (e.g. "10.0.0.1:6379")`);
      continue;
    }
    parsed.push({ host: match[1], port });
  }
  return parsed.length === nodes.length ? { kind: 'cluster', nodes: parsed } : undefined;
}

/** A connection to the store and whether the store owns it (owned clients are created lazily and quit on shutdown). */
export interface RedisConnection {
  readonly client: Redis | Cluster;
  readonly owned: boolean;
  /** Where it points, safe to log (no password). */
  readonly description: string;
}

/**
 * Opens the target: app clients are used as they are; url/clusterNodes get a module-owned client that
 * connects lazily (on {@link RedisThrottleStorage.open}), never queues commands while disconnected
 * (`enableOfflineQueue: false`) and never resends a script after a reconnect.
 *
 * @example
 * const { client, owned } = connectRedis({ kind: 'url', url: 'redis://127.0.0.1:6379' }, 'throttle:');
 */
export function connectRedis(target: RedisTarget, keyPrefix: string): RedisConnection {
  if (target.kind === 'client') {
    return { client: target.client, owned: false, description: describeClient(target.client) };
  }
  const common = {
    keyPrefix,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    connectTimeout: BOOT_CONNECT_WAIT_MS,
  };
  let client: Redis | Cluster;
  if (target.kind === 'url') {
    client = new Redis(target.url, { ...common, retryStrategy: (times) => Math.min(times * 100, 1_000) });
  } else {
    const { keyPrefix: prefix, lazyConnect, enableOfflineQueue, ...redisOptions } = common;
    client = new Cluster([...target.nodes], {
      keyPrefix: prefix,
      lazyConnect,
      enableOfflineQueue,
      redisOptions,
      clusterRetryStrategy: (times) => Math.min(100 + times * 100, 1_000),
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      slotsRefreshTimeout: 1_000,
    });
  }
  client.on('error', () => undefined); // reported through the store's failure policy, once per state change
  return { client, owned: true, description: describeTarget(target) };
}

function describeTarget(target: RedisTarget): string {
  if (target.kind === 'cluster') return `cluster ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (target.kind === 'url') {
    const url = new URL(target.url);
    if (url.password !== '') url.password = '***';
    return url.toString();
  }
  return describeClient(target.client);
}

function describeClient(client: Redis | Cluster): string {
  if ((client as Cluster).isCluster) return 'app-provided cluster client';
  const options = (client as Redis).options;
  return `app-provided client ${options?.host ?? '?'}:${options?.port ?? '?'}`;
}
