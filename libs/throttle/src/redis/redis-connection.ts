import type { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from './config/redis-options';
import { DEFAULT_STORE_TIMEOUT_MS } from '../storage/resilient/resilient-options';
import { clusterOptions, describeTarget, sentinelOptions, singleNodeOptions } from './client-options';

/** A connection to the store and whether the store owns it (owned clients are created lazily and quit on shutdown). */
export interface RedisConnection {
  readonly client: Redis | Cluster;
  readonly owned: boolean;
  /** Where it points, safe to log (no password). */
  readonly description: string;
}

/**
 * Opens the target: app clients are used as they are; url/clusterNodes/sentinels get a module-owned
 * client (options per topology in client-options.ts: auth, TLS, fail-fast timeouts, quick
 * reconnects) that connects lazily (on {@link RedisThrottleStorage.open}), never queues commands while
 * disconnected (`enableOfflineQueue: false`) and never resends a script after a reconnect.
 *
 * @example
 * const { client, owned } = connectRedis({ kind: 'url', url: 'redis://127.0.0.1:6379' }, 'throttle:');
 */
export function connectRedis(target: RedisTarget, keyPrefix: string, storeTimeoutMs = DEFAULT_STORE_TIMEOUT_MS): RedisConnection {
  if (target.kind === 'client') {
    return { client: target.client, owned: false, description: describeClient(target.client) };
  }
  const tuning = { keyPrefix, storeTimeoutMs };
  const ioredis = loadIoredis();
  let client: Redis | Cluster;
  if (target.kind === 'url') client = new ioredis.Redis(singleNodeOptions(target, tuning));
  else if (target.kind === 'sentinel') client = new ioredis.Redis(sentinelOptions(target, tuning));
  else
    client = new ioredis.Cluster(
      target.nodes.map((node) => ({ ...node })),
      clusterOptions(target, tuning),
    );
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

function describeClient(client: Redis | Cluster): string {
  if ((client as Cluster).isCluster) return 'app-provided cluster client';
  const options = (client as Redis).options;
  return `app-provided client ${options?.host ?? '?'}:${options?.port ?? '?'}`;
}
