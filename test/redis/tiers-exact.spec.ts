import { Controller, Get } from '@nestjs/common';
import { ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { freePort, RedisCluster, startCluster, startRedis } from '../../libs/testkit/src';
import { RequestSpec, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import { describeRedis, filePrefix } from '../support/redis/harness';

// Issue 17 #1 on the shared store, through the module: a single Redis (batched script), a 3-master
// Cluster (one slot per client, and the cross-slot path of a route whose scopes key the client
// differently), and the `local` fallback's share while Redis is unreachable. The memory store runs
// the same cases in test/e2e/tiers-exact.e2e-spec.ts.

@Controller()
class TieredController {
  @ThrottleScope('api') @Get('api') api() {
    return 'api';
  }
  @ThrottleScope('api', 'per_key') @Get('cross') cross() {
    return 'cross';
  }
  @ThrottleScope('meter') @Get('meter') meter() {
    return 'meter';
  }
  @ThrottleScope('account') @Get('account') account() {
    return 'account';
  }
}

const scopes: ThrottleModuleOptions['scopes'] = {
  api: { rate: '4/hour', tier: 'header:x-plan', tiers: { trial: '1/15m' } },
  per_key: { rate: '100/hour', key: 'header:x-api-key' }, // another identity: another slot on a Cluster
  meter: { rate: '10/hour', algorithm: 'gcra', tier: 'header:x-plan', tiers: { slow: '5/5h' } },
  account: { rate: '4/hour', tier: 'user:plan', tiers: { fast: '2/minute' } },
};

const authenticate = (req: any): void => {
  if (req.headers['x-user-plan']) req.user = { id: 'u1', plan: req.headers['x-user-plan'] };
};
const times = (n: number, path: string, headers: Record<string, string> = {}): RequestSpec[] =>
  Array.from({ length: n }, () => [path, headers]);
const trial = { 'x-plan': 'trial' };

describeRedis('issue 17 #1: tiers stay exact on the shared store', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let cluster: RedisCluster;
  let closedPort: number;
  beforeAll(async () => {
    [server, cluster, closedPort] = await Promise.all([startRedis(), startCluster(3, 0), freePort()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([server?.cleanup(), cluster?.stop()]);
  });

  let app: ThrottledApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  const targets: Record<string, () => Partial<ThrottleModuleOptions>> = {
    'single Redis': () => ({ redis: { url: server.url } }),
    'Redis Cluster': () => ({ redis: { clusterNodes: cluster.nodes } }),
    'the local fallback’s share (Redis unreachable, 1 of 1 instances)': () => ({
      redis: { url: `redis://127.0.0.1:${closedPort}/0` },
      storeBootTimeoutMs: 200,
      onStoreError: 'local',
    }),
  };
  const start = async (which: string) =>
    (app = await startThrottled('fastify', {
      throttle: { scopes, keyPrefix: filePrefix(`tiers-${Object.keys(targets).indexOf(which)}`), ...targets[which]() },
      controllers: [TieredController],
      beforeGuards: authenticate,
    }));

  describe.each(Object.keys(targets))('on %s', (which) => {
    it('a client tier with a shorter window does not wipe the base log (also across slots)', async () => {
      const a = await start(which);
      expect(await statuses(a.get, times(3, '/api'))).toEqual([200, 200, 200]);
      a.clock.advance(960_000);
      const tiered = await a.get('/cross', { ...trial, 'x-api-key': 'k1' }); // the base's 4th: api and per_key, maybe two slots
      expect([tiered.status, tiered.headers['ratelimit']]).toEqual([200, '"api";r=0;t=2640, "per_key";r=99;t=3600']);
      expect(await statuses(a.get, times(2, '/api'))).toEqual([429, 429]);
      const refused = await a.get('/api', trial);
      expect([refused.status, refused.headers['retry-after']]).toEqual([429, '2640']);
    });

    it('GCRA slow 5/5h on 10/hour: no burst of 14; a slow-only client is held to 5', async () => {
      const a = await start(which);
      expect(await statuses(a.get, times(10, '/meter'))).toEqual(Array(10).fill(200));
      expect(await statuses(a.get, times(4, '/meter', { 'x-plan': 'slow' }))).toEqual([429, 429, 429, 429]);
      a.clock.advance(5 * 3_600_000); // both cells drained
      expect(await statuses(a.get, times(6, '/meter', { 'x-plan': 'slow' }))).toEqual([200, 200, 200, 200, 200, 429]);
    });

    it('a user the server moves to a tier with a shorter window keeps the base’s history', async () => {
      const a = await start(which);
      expect(await statuses(a.get, times(4, '/account', { 'x-user-plan': 'basic' }))).toEqual([200, 200, 200, 200]);
      a.clock.advance(61_000);
      expect(await statuses(a.get, times(3, '/account', { 'x-user-plan': 'fast' }))).toEqual([200, 200, 429]);
      expect((await a.get('/account', { 'x-user-plan': 'basic' })).status).toBe(429);
    });
  });

  it('the local fallback’s share (2 instances) keeps the base log too: ceil(4/2) = 2 an hour, whatever the tier', async () => {
    const a = (app = await startThrottled('fastify', {
      throttle: { scopes, redis: { url: `redis://127.0.0.1:${closedPort}/0` }, storeBootTimeoutMs: 200, instances: 2 },
      controllers: [TieredController],
    }));
    expect((await a.get('/api')).headers['ratelimit-policy']).toBe('"api";q=2;w=3600');
    a.clock.advance(960_000);
    expect(await statuses(a.get, [['/api', trial], ['/api'], ['/api', trial]])).toEqual([200, 429, 429]);
  });
});
