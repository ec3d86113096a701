import { Cluster } from 'ioredis';
import { RedisThrottleStorage, ThrottleRule } from 'nest-scoped-throttle';
import { connectRedis } from '../../libs/throttle/src/redis/redis-connection';
import { ResilientThrottleStorage } from '../../libs/throttle/src/storage/resilient/resilient.storage';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { RedisCluster, waitFor } from '../../libs/testkit/src';
import { describeRedis, filePrefix, useCluster } from '../support/redis/harness';

// Redis Cluster specifics: one script per request when its keys share a hash tag, slot groups with
// withdrawal when they do not, and a master failing over under traffic. 3 masters + 3 replicas.
const keyPrefix = filePrefix('cluster');
const TIMEOUT_MS = 100;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describeRedis('RedisThrottleStorage on Redis Cluster', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  useCluster(3, 1, keyPrefix, (started) => ({ cluster, client } = started));
  let seq = 0;
  const key = (scope: string, identity: string) => `${scope}-${++seq}:{${identity}-${seq}}`;

  it('decides the scopes of one identity in one script: a refused request consumes from none', async () => {
    const storage = new RedisThrottleStorage(client, { storeTime: new FakeClock().storeTime() });
    const id = `u${++seq}`;
    const burst = { key: `burst:{${id}}`, limit: 1, windowMs: 1_000 };
    const sustained = { key: `sustained:{${id}}`, limit: 5, windowMs: 60_000 };
    expect((await storage.consume({ rules: [sustained, burst] })).allowed).toBe(true);
    expect(await storage.consume({ rules: [sustained, burst] })).toMatchObject({
      allowed: false,
      states: [{ remaining: 4 }, { remaining: 0 }],
    });
    expect(await client.zcard(sustained.key)).toBe(1);
  });

  it('never over-admits scopes with different identities (different slots) under 300 concurrent requests', async () => {
    const stores = [new RedisThrottleStorage(client), new RedisThrottleStorage(client)];
    const byUser: ThrottleRule = { key: key('user', 'alice'), limit: 20, windowMs: 60_000 };
    const byIp: ThrottleRule = { key: key('ip', '203.0.113.9'), limit: 5, windowMs: 60_000 };
    const decisions = await Promise.all(
      Array.from({ length: 300 }, (_, i) => stores[i % 2].consume({ rules: i % 3 === 0 ? [byIp] : [byUser, byIp] })),
    );
    const admitted = decisions.filter((d) => d.allowed).length;
    expect(admitted).toBeLessThanOrEqual(5);
    expect(admitted).toBeGreaterThan(0);
    expect(await client.zcard(byIp.key)).toBe(admitted);
    // refused requests withdrew their admission from the user scope
    const withUser = decisions.filter((d, i) => d.allowed && i % 3 !== 0).length;
    expect(await client.zcard(byUser.key)).toBe(withUser);
  });

  it('keeps answering while a master fails over, by policy, then shares limits again', async () => {
    const processStore = () =>
      new ResilientThrottleStorage(
        RedisThrottleStorage.fromConnection(connectRedis({ kind: 'cluster', nodes: cluster.nodes.map(parseNode) }, keyPrefix)),
        { policy: 'local', timeoutMs: TIMEOUT_MS, breaker: { cooldownMs: 200, maxCooldownMs: 500 }, logger: silent },
      );
    const a = processStore();
    const b = processStore();
    await Promise.all([a.onApplicationBootstrap(), b.onApplicationBootstrap()]);
    try {
      const tag = `victim-${++seq}`;
      const hot: ThrottleRule = { key: `hot:{${tag}}`, limit: 10_000, windowMs: 60_000 };
      expect((await a.consume({ rules: [hot] })).allowed).toBe(true);
      const master = await cluster.masterOf(keyPrefix + hot.key);
      await master.kill();

      let slowest = 0;
      await waitFor(
        'a request on the failed slot to be decided by Redis again',
        async () => {
          const before = a.stats().storeDecisions;
          const started = performance.now();
          const decision = await a.consume({ rules: [hot] });
          slowest = Math.max(slowest, performance.now() - started);
          expect(decision.allowed).toBe(true); // answered: by the local policy or by the new master
          return a.stats().storeDecisions > before;
        },
        30_000,
      );
      expect(slowest).toBeLessThan(TIMEOUT_MS + 200);
      expect(a.stats().policyDecisions).toBeGreaterThan(0); // the failover was felt, and bridged

      const shared: ThrottleRule = { key: `shared:{${tag}}`, limit: 2, windowMs: 60_000 };
      await waitFor('the second process to see the new master', async () => {
        await b.consume({ rules: [{ ...hot }] });
        return b.health().state === 'ok';
      });
      expect((await a.consume({ rules: [shared] })).allowed).toBe(true);
      expect((await b.consume({ rules: [shared] })).allowed).toBe(true);
      expect((await a.consume({ rules: [shared] })).allowed).toBe(false);
    } finally {
      await Promise.all([a.onApplicationShutdown(), b.onApplicationShutdown()]);
    }
  }, 60_000);
});

function parseNode(node: string): { host: string; port: number } {
  const [host, port] = node.split(':');
  return { host, port: Number(port) };
}
