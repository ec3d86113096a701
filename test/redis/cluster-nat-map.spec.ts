import { compileRedisOptions, RedisStoreOptions } from '../../libs/throttle/src/redis/config/redis-options';
import { connectRedis } from '../../libs/throttle/src/redis/redis-connection';
import { RedisThrottleStorage } from '../../libs/throttle/src/redis/redis.storage';
import { describeRedis, filePrefix } from '../support/redis/harness';
import { command, RedisCluster, startCluster, waitFor } from '../../libs/testkit/src';

// A Cluster behind NAT, as managed ones are: every node announces an endpoint this process cannot
// reach (cluster-announce-hostname node-<port>.nat.invalid with cluster-preferred-endpoint-type
// hostname: the .invalid name never resolves); redis.natMap maps each announced endpoint back to
// 127.0.0.1, and the store decides through it. Without the map, no master is reached.
const keyPrefix = filePrefix('cluster-nat');
const announced = (port: number) => `node-${port}.nat.invalid`;

describeRedis('Redis Cluster behind NAT (redis.natMap)', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startCluster(3, 0);
    for (const s of cluster.servers) {
      await command(s.port, 'CONFIG', 'SET', 'cluster-announce-hostname', announced(s.port));
      await command(s.port, 'CONFIG', 'SET', 'cluster-preferred-endpoint-type', 'hostname');
    }
    await waitFor('every node to announce the unreachable endpoints', async () => {
      const views = await Promise.all(cluster.servers.map((s) => command(s.port, 'CLUSTER', 'SLOTS')));
      return views.every((slots) =>
        (slots as [number, number, [string, number]][]).every(([, , [host, port]]) => host === announced(port)),
      );
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const seeds = () => cluster.nodes.slice(0, 1);
  async function openStore(redis: RedisStoreOptions): Promise<RedisThrottleStorage> {
    const problems: string[] = [];
    const target = compileRedisOptions(redis, problems);
    expect(problems).toEqual([]);
    return RedisThrottleStorage.fromConnection(connectRedis(target!, keyPrefix));
  }

  it('decides through the mapped addresses on every master', async () => {
    const natMap = Object.fromEntries(cluster.servers.map((s) => [`${announced(s.port)}:${s.port}`, `127.0.0.1:${s.port}`]));
    const store = await openStore({ clusterNodes: seeds(), natMap });
    await store.open();
    const served = new Set<number>();
    try {
      for (const tag of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
        const rule = { key: `hi:{nat-${tag}}`, limit: 2, windowMs: 60_000 };
        served.add((await cluster.masterOf(keyPrefix + rule.key)).port);
        const allowed = [];
        for (let i = 0; i < 3; i++) allowed.push((await store.consume({ rules: [rule] })).allowed);
        expect(allowed).toEqual([true, true, false]);
      }
      expect(served.size).toBe(3); // the keys covered every master
      expect(store.health()).toMatchObject({ state: 'ok', masters: 3 });
    } finally {
      await store.close();
    }
  });

  it('without the map, the announced addresses are not reached (the store cannot decide)', async () => {
    const store = await openStore({ clusterNodes: seeds() });
    await store.open().catch(() => undefined);
    try {
      await expect(store.consume({ rules: [{ key: 'hi:{nat-none}', limit: 2, windowMs: 60_000 }] })).rejects.toThrow();
    } finally {
      await store.close();
    }
  }, 15_000);
});
