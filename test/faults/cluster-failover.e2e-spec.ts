import { Redis } from 'ioredis';
import { storeKey, scopeKeyPrefix } from '../../libs/throttle/src/storage/store-key';
import { describeRedis } from '../redis/harness';
import { aclRule, CLUSTER_COMMANDS, STORE_COMMANDS } from '../redis/throttle-acl';
import { steadyTraffic, waitForEveryWorker } from '../support/failover-probe';
import { flood, metric, StatusCounts } from '../support/http-probes';
import { command, DemoProcess, RedisCluster, RedisServer, startCluster, startDemoProcess, waitFor } from '../../libs/testkit/src';

// Redis Cluster (3 masters + 3 replicas, node timeout 1 s), the demo as 2 workers connecting as an
// ACL user. The master serving the flooded key is SIGKILLed while traffic on its slots goes on:
// no 5xx (the policy answers), shared limits resume once its replica is promoted, and a key on
// those slots flooded afterwards gets exactly 5. Prints the README's "Cluster failover" figures.
const PASSWORD = 'cluster-demo-pw';
const WORKERS = 2;
const keyOf = (apiKey: string) => `throttle:${storeKey(scopeKeyPrefix('api_key'), `q:${apiKey}`)}`;

/** ZCARD on a cluster replica (READONLY first: a replica otherwise redirects reads to its master). */
async function zcardOnReplica(replica: RedisServer, key: string): Promise<number> {
  const client = new Redis({ port: replica.port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.call('READONLY');
    return await client.zcard(key);
  } finally {
    client.disconnect();
  }
}

/** `count` api_key values whose keys live on `master`'s slots. */
async function valuesOn(cluster: RedisCluster, master: RedisServer, prefix: string, count: number): Promise<string[]> {
  const live = cluster.servers.find((s) => s !== master)!;
  const client = new Redis({ port: live.port, host: '127.0.0.1' });
  try {
    const ranges = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const owned = ranges.filter((r) => r[2][1] === master.port);
    const values: string[] = [];
    for (let i = 0; values.length < count; i++) {
      const slot = Number(await client.call('CLUSTER', 'KEYSLOT', keyOf(`${prefix}-${i}`)));
      if (owned.some(([from, to]) => slot >= from && slot <= to)) values.push(`${prefix}-${i}`);
    }
    return values;
  } finally {
    client.disconnect();
  }
}

describeRedis('the demo on Redis Cluster, a master killed (WORKERS=2)', () => {
  let cluster: RedisCluster | undefined;
  let demo: DemoProcess | undefined;
  afterAll(async () => {
    await demo?.stop();
    await cluster?.stop();
  });

  it('answers every request during the failover, then shares limits on the promoted replica', async () => {
    cluster = await startCluster(3, 1);
    const acl = aclRule('throttle', PASSWORD, 'throttle:', [...STORE_COMMANDS, ...CLUSTER_COMMANDS]);
    await Promise.all(cluster.servers.map((s) => command(s.port, 'ACL', 'SETUSER', ...acl)));
    demo = await startDemoProcess({
      WORKERS: String(WORKERS),
      THROTTLE_STORE: 'redis',
      THROTTLE_RATES: 'api_key=5/m',
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      REDIS_USERNAME: 'throttle',
      REDIS_PASSWORD: PASSWORD,
    });
    await waitForEveryWorker(demo.url, WORKERS, 'both workers on the cluster', (store) => store.state === 'ok' && store.masters === 3);
    // A Cluster client opens its connection to a master on first use, and that first call can outlast
    // the store timeout (decided by the policy). Warm both workers up: until a round of requests on
    // keys all over the slots is decided by Redis alone.
    let round = 0;
    await waitFor('both workers connected to every master', async () => {
      const before = await metric(demo!.url, 'throttle_store_fallback_decisions_total');
      for (let k = 0; k < 12; k++) await flood(demo!.url, `/?api_key=warm-${round}-${k}`, 4, 4);
      round++;
      return (await metric(demo!.url, 'throttle_store_fallback_decisions_total')) === before;
    });

    expect(await flood(demo.url, '/?api_key=before', 200)).toEqual({ 200: 5, 429: 195 });
    const key = keyOf('before');
    const master = await cluster.masterOf(key);
    const replicaInfo = await Promise.all(
      cluster.servers.map(async (s) => [s, String(await command(s.port, 'INFO', 'replication'))] as const),
    );
    const replica = replicaInfo.find(([, info]) => info.includes(`master_port:${master.port}\r`))![0];
    await waitFor('the replica to hold the 5 admissions', async () => (await zcardOnReplica(replica, key)) === 5);
    const onVictim = await valuesOn(cluster, master, 'v', 40);
    const policyBefore = await metric(demo.url, 'throttle_store_fallback_decisions_total');

    const killedAt = Date.now();
    await master.kill();
    const traffic = steadyTraffic(demo.url, (i) => `/?api_key=${onVictim[i % 20]}`);
    await waitFor('the cluster to promote the replica', async () => (await cluster!.masterOf(key)) === replica, 20_000);
    const promotedAt = Date.now();
    // Shared again on both workers: a fresh key on the failed slots, 40 requests over 20 connections
    // (both workers), admits exactly 5; a worker still on its local limit would admit 5 of its own.
    let probe = 20;
    const probes: StatusCounts[] = [];
    await waitFor(
      'shared limits on the failed slots, on both workers',
      async () => {
        const counts = await flood(demo!.url, `/?api_key=${onVictim[probe++]}`, 40, 20);
        probes.push(counts);
        return counts[200] === 5 && counts[429] === 35;
      },
      20_000,
    );
    const resumedAt = Date.now();
    const during = await traffic.stop();
    const policyDecisions = (await metric(demo.url, 'throttle_store_fallback_decisions_total')) - policyBefore;

    for (const counts of [during, ...probes]) expect(Object.keys(counts).filter((s) => s !== '200' && s !== '429')).toEqual([]); // no 5xx, none unanswered
    expect(policyDecisions).toBeGreaterThan(0);
    expect(await flood(demo.url, `/?api_key=${onVictim[probe]}`, 200)).toEqual({ 200: 5, 429: 195 });
    const kept = Number(await command(replica.port, 'ZCARD', key));
    expect(kept).toBe(5);

    const sum = (counts: StatusCounts) => Object.values(counts).reduce((a, b) => a + b, 0);
    const total = sum(during) + probes.reduce((n, counts) => n + sum(counts), 0);
    console.log(
      `Cluster failover (node timeout 1000 ms): replica promoted after ${promotedAt - killedAt} ms; shared limits resumed on every worker ` +
        `${resumedAt - killedAt} ms after the kill (${resumedAt - promotedAt} ms after promotion); ${total} requests on the failed slots during it ` +
        `(steady traffic ${JSON.stringify(during)}, ${probes.length} probes of 40), ${policyDecisions} answered by the policy; admissions lost: ${5 - kept} of 5`,
    );
  }, 90_000);
});
