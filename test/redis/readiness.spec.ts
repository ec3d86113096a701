import type { Cluster } from 'ioredis';
import { RedisThrottleStorage } from 'nest-scoped-throttle';
import { connectRedis } from '../../libs/throttle/src/redis/redis-connection';
import { DECIDE_SHA } from '../../libs/throttle/src/redis/decide.script';
import { WITHDRAW_SHA } from '../../libs/throttle/src/redis/withdraw.script';
import { command, RedisCluster, StartedRedis, startCluster, startRedis, waitFor } from '../../libs/testkit/src';
import { describeRedis, filePrefix } from '../support/redis/harness';

// Readiness of the Redis store against real servers: boot leaves every connection ready and the script
// loaded (no decision pays a connect or a compile), and a restarted Redis gets the script back by itself.
const keyPrefix = filePrefix('readiness');
const scriptLoaded = async (port: number, sha = DECIDE_SHA) => ((await command(port, 'SCRIPT', 'EXISTS', sha)) as number[])[0] === 1;

describeRedis('Redis store readiness, single node', () => {
  let server: StartedRedis;
  beforeAll(async () => (server = await startRedis()));
  afterAll(async () => server?.cleanup());

  it('opens with the script loaded, and after a restart reloads it and reports ready without any request', async () => {
    const store = RedisThrottleStorage.fromConnection(connectRedis({ kind: 'url', url: server.url }, keyPrefix));
    let readies = 0;
    const stop = store.watchReady(() => (readies += 1));
    try {
      expect(await scriptLoaded(server.port)).toBe(false);
      await store.open(2_000);
      expect(store.client.status).toBe('ready');
      expect(await scriptLoaded(server.port)).toBe(true);
      expect(readies).toBe(0); // open() did it itself
      await server.kill();
      await server.start(); // an empty Redis: no script
      const back = performance.now();
      await waitFor('the store to report ready again', () => readies === 1, 2_000);
      console.log(`ready again ${(performance.now() - back).toFixed(0)} ms after Redis answered PING`);
      expect(await scriptLoaded(server.port)).toBe(true);
    } finally {
      stop();
      await store.close();
    }
  });
});

describeRedis('Redis store readiness, cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => (cluster = await startCluster(3, 0)), 60_000);
  afterAll(async () => cluster?.stop());

  it('opens only once every master connection is ready and has the scripts (sliding log, cross-slot withdrawal)', async () => {
    const nodes = cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) }));
    const store = RedisThrottleStorage.fromConnection(connectRedis({ kind: 'cluster', nodes }, keyPrefix));
    try {
      await store.open(5_000);
      const masters = (store.client as Cluster).nodes('master');
      expect(masters.map((m) => m.status)).toEqual(['ready', 'ready', 'ready']);
      for (const server of cluster.servers) {
        expect(await scriptLoaded(server.port)).toBe(true);
        expect(await scriptLoaded(server.port, WITHDRAW_SHA)).toBe(true);
      }
    } finally {
      await store.close();
    }
  });
});
