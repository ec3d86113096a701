import type { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from '../options/redis-options';

/** How long one connection attempt of a module-owned client may take (boot itself waits `storeBootTimeoutMs`). */
export const CONNECT_TIMEOUT_MS = 2_000;

/**
 * The longest pause between reconnection attempts: a Redis that accepts connections again is found
 * within this, and the store is back (client `ready`, script reloaded, circuit closed) soon after.
 */
export const MAX_RECONNECT_DELAY_MS = 500;

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
 * (`enableOfflineQueue: false`), never resends a script after a reconnect, and retries a lost
 * connection at least every {@link MAX_RECONNECT_DELAY_MS}.
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
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
  const ioredis = loadIoredis();
  let client: Redis | Cluster;
  if (target.kind === 'url') {
    client = new ioredis.Redis(target.url, { ...common, retryStrategy: (times) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS) });
  } else {
    const { keyPrefix: prefix, lazyConnect, enableOfflineQueue, ...redisOptions } = common;
    client = new ioredis.Cluster([...target.nodes], {
      keyPrefix: prefix,
      lazyConnect,
      enableOfflineQueue,
      redisOptions,
      clusterRetryStrategy: (times) => Math.min(100 + times * 100, MAX_RECONNECT_DELAY_MS),
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      slotsRefreshTimeout: 1_000,
    });
  }
  client.on('error', () => undefined); // reported through the store's failure policy, once per state change
  return { client, owned: true, description: describeTarget(target) };
}

/** ioredis, loaded only when the Redis store is used (it is an optional peer dependency). */
function loadIoredis(): typeof import('ioredis') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('ioredis') as typeof import('ioredis');
  } catch (error) {
    const why = (error as { code?: string }).code === 'MODULE_NOT_FOUND' ? 'it is not installed' : (error as Error).message;
    throw new Error(`The Redis store needs the ioredis package, but ${why}: npm install ioredis`, { cause: error });
  }
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
