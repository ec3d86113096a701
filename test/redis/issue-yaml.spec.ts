import { ThrottleModuleOptions } from 'nest-scoped-throttle';
import { parse } from 'yaml';
import { RedisCluster, startCluster, startRedis } from '../../libs/testkit/src';
import { RequestSpec, statuses } from '../support/apps/platforms';
import { asClient, authenticateWithPlan, IssueController } from '../support/apps/issue-app';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import { describeRedis, filePrefix } from '../support/redis/harness';

// The YAML of "Beyond the sliding log" through the module, on a single Redis and on a 3-master Cluster
// (the memory store runs the same in test/e2e/algorithms.e2e-spec.ts): GCRA admits the burst of a
// flood, tiers follow request.user.plan, @ThrottleCost takes 5 units, all on the shared store.
const ISSUE_YAML = `
scopes:
  hi: { rate: 10/s, algorithm: gcra, burst: 3 }
  api: { rate: 100/hour, key: header:x-api-key, tier: user:plan, tiers: { pro: 10000/hour, free: 20/hour } }
`;

const times = (n: number, path: string, headers: Record<string, string> = {}): RequestSpec[] =>
  Array.from({ length: n }, () => [path, headers]);
const admitted = (codes: number[]) => codes.filter((s) => s === 200).length;

describeRedis('the issue YAML on the shared store', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let cluster: RedisCluster;
  beforeAll(async () => {
    [server, cluster] = await Promise.all([startRedis(), startCluster(3, 0)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([server?.cleanup(), cluster?.stop()]);
  });

  let app: ThrottledApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  const targets: Record<string, () => ThrottleModuleOptions['redis']> = {
    'single Redis': () => ({ url: server.url }),
    'Redis Cluster': () => ({ clusterNodes: cluster.nodes }),
  };

  it.each(Object.keys(targets))(
    'boots and behaves as stated on %s',
    async (which) => {
      const redis = targets[which]();
      const { scopes } = parse(ISSUE_YAML) as { scopes: ThrottleModuleOptions['scopes'] };
      const throttle = { scopes, redis, keyPrefix: filePrefix(`issue-yaml-${which.replace(' ', '-')}`) };
      const a = (app = await startThrottled('fastify', { throttle, controllers: [IssueController], beforeGuards: authenticateWithPlan }));
      // GCRA: a flood of 20 admits exactly the burst; 200 ms (two intervals) later, exactly two more.
      expect(admitted(await Promise.all(times(20, '/hi').map(([p]) => a.get(p).then((r) => r.status))))).toBe(3);
      a.clock.advance(200);
      expect(await statuses(a.get, times(3, '/hi'))).toEqual([200, 200, 429]);
      // Tiers from request.user.plan; an unknown plan gets the scope's rate.
      expect(admitted(await statuses(a.get, times(22, '/api', asClient('k-free', 'free'))))).toBe(20);
      expect((await a.get('/api', asClient('k-pro', 'pro'))).headers['ratelimit-policy']).toBe('"api";q=10000;w=3600');
      expect(admitted(await statuses(a.get, times(102, '/api', asClient('k-gold', 'gold'))))).toBe(100);
      // Cost: four exports of 5 spend the free plan's 20; the fifth is refused, and nothing is left for /api.
      const exports = await statuses(a.get, times(5, '/export', asClient('k-cost', 'free')));
      expect(exports).toEqual([200, 200, 200, 200, 429]);
      expect((await a.get('/api', asClient('k-cost', 'free'))).status).toBe(429);
    },
    30_000,
  );
});
