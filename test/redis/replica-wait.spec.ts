import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { ReplicaWait } from '../../libs/throttle/src/redis/config/wait-replicas';
import { connectRedis } from '../../libs/throttle/src/redis/redis-connection';
import { RedisThrottleStorage } from '../../libs/throttle/src/redis/redis.storage';
import { ResilientThrottleStorage } from '../../libs/throttle/src/storage/resilient/resilient.storage';
import { describeRedis, filePrefix } from '../support/redis/harness';
import { command, freePort, RedisCluster, RedisServer, startCluster, waitFor } from '../../libs/testkit/src';

// redis.waitReplicas: WAIT pipelined behind the script, on the connection (the node) that ran it.
// Once a decision returns, its admission is on the replica; a silent replica costs waitTimeoutMs, not an error.
const keyPrefix = filePrefix('replica-wait');
const WAIT: ReplicaWait = { replicas: 1, timeoutMs: 50 };
/**
 * For the tests that read the replica right after a decision: a healthy replica acknowledges at once,
 * so a generous WAIT bound costs nothing there, and a loaded machine cannot make WAIT time out first.
 */
const SYNC_WAIT: ReplicaWait = { replicas: 1, timeoutMs: 2_000 };
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** How many WAIT commands a server ran since its last CONFIG RESETSTAT. */
async function waitCalls(port: number): Promise<number> {
  const stats = String(await command(port, 'INFO', 'commandstats'));
  return Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

/** ZCARD on a replica (READONLY first, which a Cluster replica needs and a plain one ignores). */
async function zcardOn(port: number, key: string): Promise<number> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.call('READONLY').catch(() => undefined);
    return await client.zcard(key);
  } finally {
    client.disconnect();
  }
}

describeRedis('redis.waitReplicas on a master and its replica', () => {
  let dir: string;
  let master: RedisServer;
  let replica: RedisServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'throttle-replica-wait-'));
    master = new RedisServer(await freePort(), dir);
    await master.start();
    replica = new RedisServer(await freePort(), dir, { args: ['--replicaof', '127.0.0.1', String(master.port)] });
    await replica.start();
    await waitFor('the replica in sync', async () =>
      String(await command(replica.port, 'INFO', 'replication')).includes('master_link_status:up'),
    );
  });
  afterAll(async () => {
    await Promise.all([master?.stop(), replica?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const open = async (replicaWait = WAIT) => {
    const store = RedisThrottleStorage.fromConnection(connectRedis({ kind: 'url', url: master.url }, keyPrefix), { replicaWait });
    await store.open();
    return store;
  };

  it('sends one WAIT behind each script, and the replica holds each admission when the decision returns', async () => {
    const store = await open(SYNC_WAIT);
    await command(master.port, 'CONFIG', 'RESETSTAT');
    try {
      const rule = { key: 'hi:{wait-1}', limit: 100, windowMs: 60_000 };
      for (let admitted = 1; admitted <= 30; admitted++) {
        expect((await store.consume({ rules: [rule] })).allowed).toBe(true);
        expect(await zcardOn(replica.port, keyPrefix + rule.key)).toBe(admitted);
      }
      expect(await waitCalls(master.port)).toBe(30);
    } finally {
      await store.close();
    }
  });

  it('with the replica frozen, still decides (the master has): after waitTimeoutMs, with no store error', async () => {
    const redis = await open();
    // A generous store timeout: this asserts the WAIT's own bound, not how busy the test machine is.
    const store = new ResilientThrottleStorage(redis, { timeoutMs: 1_000, logger: silent });
    replica.signal('SIGSTOP');
    try {
      const rule = { key: 'hi:{wait-2}', limit: 100, windowMs: 60_000 };
      const started = performance.now();
      expect((await store.consume({ rules: [rule] })).allowed).toBe(true);
      const tookMs = performance.now() - started;
      expect(tookMs).toBeGreaterThanOrEqual(WAIT.timeoutMs - 1);
      expect(tookMs).toBeLessThan(1_000);
      expect(store.stats()).toMatchObject({ storeDecisions: 1, storeErrors: 0 });
    } finally {
      replica.signal('SIGCONT');
      await store.onApplicationShutdown();
    }
  });
});

describeRedis('redis.waitReplicas on Redis Cluster', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(3, 1);
    client = connectRedis(
      { kind: 'cluster', nodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })) },
      keyPrefix,
    ).client as Cluster;
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it("waits on the node that ran the script (its WAITs, no other node's), and its replica holds every admission", async () => {
    const store = new RedisThrottleStorage(client, { ownsClient: true, replicaWait: SYNC_WAIT });
    await store.open();
    for (const tag of ['a', 'b', 'c', 'd', 'e', 'f']) {
      await Promise.all(cluster.servers.map((s) => command(s.port, 'CONFIG', 'RESETSTAT')));
      const rule = { key: `hi:{wait-${tag}}`, limit: 100, windowMs: 60_000 };
      const master = await cluster.masterOf(keyPrefix + rule.key);
      const infos = await Promise.all(cluster.servers.map(async (s) => [s, String(await command(s.port, 'INFO', 'replication'))] as const));
      const replicaOf = infos.find(([, info]) => info.includes(`master_port:${master.port}\r`))![0];
      for (let admitted = 1; admitted <= 5; admitted++) {
        expect((await store.consume({ rules: [rule] })).allowed).toBe(true);
        expect(await zcardOn(replicaOf.port, keyPrefix + rule.key)).toBe(admitted);
      }
      const calls = await Promise.all(cluster.servers.map(async (s) => [s.port, await waitCalls(s.port)]));
      expect(calls.filter(([, n]) => n > 0)).toEqual([[master.port, 5]]); // the WAITs went to the key's master only
    }
  }, 30_000);
});
