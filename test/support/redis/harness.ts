import { Cluster, Redis } from 'ioredis';
import { isRedisServerInstalled, RedisCluster, startCluster, startRedis } from '../../../libs/testkit/src';

/**
 * The Redis suites' jest helpers: {@link describeRedis}, which skips suites loudly where
 * `redis-server` is missing and fails them under `CI=true`, and per-file key prefixes. The
 * processes themselves come from the testkit (libs/testkit/src).
 */

/** True when `redis-server` can be run. */
export const REDIS_AVAILABLE = isRedisServerInstalled();

/**
 * `describe` for suites that need `redis-server`.
 *
 * @example
 * describeRedis('RedisThrottleStorage', () => { let server: RedisServer; beforeAll(async () => (server = await startRedis())); ... });
 */
export function describeRedis(name: string, body: () => void): void {
  if (REDIS_AVAILABLE) return describe(name, body);
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs redis-server on PATH (CI=true: Redis suites may not be skipped)', () => {
        throw new Error('redis-server not found on PATH; install Redis >= 7 to run the Redis integration suites');
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPED "${name}": redis-server not found on PATH. Install Redis 7 to run the Redis suites. !!!\n`);
  describe.skip(name, body);
}

/** A key prefix unique to one test file (and process), so files never see each other's keys. */
export function filePrefix(name: string): string {
  return `t-${name}-${process.pid}:`;
}

/** A 3-master (or other) cluster and a client of it, as {@link useCluster} hands them over. */
export interface StartedCluster {
  readonly cluster: RedisCluster;
  readonly client: Cluster;
}

/**
 * Starts a Redis Cluster of `masters` masters with `replicas` replicas each before the suite, and a
 * client with `keyPrefix` on it; hands both to `onStart`; stops them after the suite.
 *
 * @example
 * let cluster: RedisCluster; let client: Cluster;
 * useCluster(3, 0, keyPrefix, (started) => ({ cluster, client } = started));
 */
export function useCluster(masters: number, replicas: number, keyPrefix: string, onStart: (started: StartedCluster) => void): void {
  let started: StartedCluster | undefined;
  beforeAll(async () => {
    const cluster = await startCluster(masters, replicas);
    const client = new Cluster(
      cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
      { keyPrefix },
    );
    started = { cluster, client };
    onStart(started);
    await new Promise((resolve) => client.once('ready', resolve));
  }, 60_000);
  afterAll(async () => {
    started?.client.disconnect();
    await started?.cluster.stop();
  });
}

/**
 * Starts a private `redis-server` before the suite and a client on it with `keyPrefix` (offline queue
 * off), hands the client to `onStart` before it connects (to define commands), and stops both after.
 *
 * @example
 * let client: Redis;
 * useRedis(keyPrefix, (started) => (client = started));
 */
export function useRedis(keyPrefix: string, onStart: (client: Redis) => void): void {
  let server: Awaited<ReturnType<typeof startRedis>> | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis({ port: server.port, keyPrefix, lazyConnect: true, enableOfflineQueue: false });
    onStart(client);
    await client.connect();
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.cleanup();
  });
}

/**
 * Starts a private 3-master Cluster before the suite and hands `onStart` a Cluster client on it with
 * `keyPrefix` and no offline queue (it fails fast while Redis is down, as the module asks), ready before the
 * suite's tests run; disconnects it after.
 *
 * @example
 * useClusterClient(filePrefix('blocks-c'), (client) => (cluster = client));
 */
export function useClusterClient(keyPrefix: string, onStart: (client: Cluster) => void): void {
  let client: Cluster | undefined;
  useCluster(3, 0, keyPrefix, ({ cluster }) => {
    client = new Cluster(
      cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
      { keyPrefix, enableOfflineQueue: false },
    );
    onStart(client);
  });
  beforeAll(async () => {
    if (client!.status !== 'ready') await new Promise((resolve) => client!.once('ready', resolve));
  });
  afterAll(() => client?.disconnect());
}
