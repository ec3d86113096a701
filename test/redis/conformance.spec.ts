import { Cluster, Redis } from 'ioredis';
import { RedisThrottleStorage } from 'nest-scoped-throttle';
import { describeStorageConformance, FakeClock } from 'nest-scoped-throttle/testing';
import { startRedis } from '../../libs/testkit/src';
import { describeRedis, filePrefix, useCluster } from '../support/redis/harness';

// The shared storage contract, on a single Redis and on a 3-master cluster, in test-clock mode.
const keyPrefix = filePrefix('conformance');

describeRedis('Redis store conformance', () => {
  describe('single node', () => {
    let server: Awaited<ReturnType<typeof startRedis>>;
    let client: Redis;
    beforeAll(async () => {
      server = await startRedis();
      client = new Redis({ port: server.port, keyPrefix, enableOfflineQueue: false });
      await client.ping().catch(async () => new Promise((resolve) => client.once('ready', resolve)));
    });
    afterAll(async () => {
      client?.disconnect();
      await server?.cleanup();
    });
    describeStorageConformance(
      'redis',
      async () => {
        const clock = new FakeClock();
        return { storage: new RedisThrottleStorage(client, { storeTime: clock.storeTime() }), clock };
      },
      { numRuns: 25 },
    );
    describeStorageConformance(
      'redis, one script call per request (batching off)',
      async () => {
        const clock = new FakeClock();
        return { storage: new RedisThrottleStorage(client, { storeTime: clock.storeTime(), batching: false }), clock };
      },
      { numRuns: 10 },
    );
  });

  describe('3-master cluster', () => {
    let client: Cluster;
    useCluster(3, 0, keyPrefix, (started) => ({ client } = started));
    describeStorageConformance(
      'redis cluster',
      async () => {
        const clock = new FakeClock();
        return { storage: new RedisThrottleStorage(client, { storeTime: clock.storeTime() }), clock };
      },
      { numRuns: 25 },
    );
  });
});
