import { clientCount } from './client-count';
import { ChildSpec, ChurnReport, requireBuiltPackage, runChurn, runExit } from './run-child';
import { describeRedis } from '../support/redis/harness';
import { RedisSentinels, startSentinels } from '../support/redis/sentinel-harness';
import { freePort, RedisCluster, StartedRedis, startCluster, startRedis } from '../../libs/testkit/src';

// Issue 24, a clean lifecycle: the module boots and closes CYCLES times in one process (a child on the
// built package, lifecycle-child.js) per topology, and with the app's own client, registry and store;
// each close leaves nothing behind, and a process whose app closed exits by itself at once.
const CYCLES = 50;
/** Heap growth allowed over a churn (50 boots; 200 for the app's store), after GC. Nest and Fastify alone grow ~0.75 MB per 50. */
const HEAP_BOUND_BYTES = 3 * 1024 * 1024;
/** How soon after `app.close()` resolves the process must have exited by itself. */
const EXIT_LIMIT_MS = 100;

/** A server to count clients on, and how many it has without the child. */
type Counted = { port: number; password?: string };

beforeAll(() => requireBuiltPackage());

function expectClean(topology: string, cycles: number, report: ChurnReport, clientsLeft: number[]): void {
  const { before, after } = report;
  const heapDelta = after.heapBytes - before.heapBytes;
  console.log(
    `lifecycle ${topology}: ${cycles} boots, handles ${JSON.stringify(before.handles)} -> ${JSON.stringify(after.handles)}, ` +
      `clients left ${JSON.stringify(clientsLeft)}, process listeners ${before.processListeners} -> ${after.processListeners}` +
      (after.clientListeners === undefined ? '' : `, client listeners ${before.clientListeners} -> ${after.clientListeners}`) +
      (after.storeListeners === undefined ? '' : `, store listeners ${before.storeListeners} -> ${after.storeListeners}`) +
      (after.registryMetrics === undefined ? '' : `, registry metrics ${before.registryMetrics} -> ${after.registryMetrics}`) +
      `, heap ${(heapDelta / 1e6).toFixed(2)} MB, ${report.cycleMs.toFixed(1)} ms per boot`,
  );
  expect(report.warnings).toEqual([]);
  expect(report.stderr).toBe('');
  expect(after.handles).toEqual(before.handles);
  expect(after.processListeners).toBe(before.processListeners);
  expect(after.clientListeners).toBe(before.clientListeners);
  expect(after.storeListeners).toBe(before.storeListeners);
  expect(after.registryMetrics).toBe(before.registryMetrics);
  expect(heapDelta).toBeLessThan(HEAP_BOUND_BYTES);
  // A leak is a client more than at the start. A client the harness had open when the baseline was counted (e.g.
  // a sentinel's link being re-made) may close during the churn: -1, seen once on a sentinel, is no leak.
  expect(clientsLeft.every((n) => n <= 0)).toBe(true);
}

/** Churns `spec`, counting the clients the child holds on `servers` (beyond `expected` each) once it is done. */
async function churn(spec: ChildSpec, servers: Counted[] = [], expected = servers.map(() => 0), cycles = CYCLES): Promise<void> {
  const baseline = await Promise.all(servers.map((s) => clientCount(s.port, s.password)));
  let left: number[] = [];
  const report = await runChurn(spec, cycles, async () => {
    const now = await Promise.all(servers.map((s) => clientCount(s.port, s.password)));
    left = now.map((n, i) => n - baseline[i] - expected[i]);
  });
  expectClean(spec.topology, cycles, report, left);
}

async function exitsByItself(spec: ChildSpec): Promise<void> {
  const report = await runExit(spec);
  console.log(`lifecycle ${spec.topology}: exited ${report.exitMs.toFixed(1)} ms after app.close() resolved`);
  expect(report.warnings).toEqual([]);
  expect(report.exitMs).toBeLessThan(EXIT_LIMIT_MS);
}

describe('lifecycle without Redis', () => {
  it(`memory store: ${CYCLES} boots leave nothing behind`, () => churn({ topology: 'memory' }));
  it("the app's own store (storage): 200 boots leave its listener count where it started", () =>
    churn({ topology: 'owned-store' }, [], [], 200));
  it('memory store: the process exits by itself after close', () => exitsByItself({ topology: 'memory' }));
  it('Redis down at close: the process exits by itself at once (no 2 s disconnect timer)', async () =>
    exitsByItself({ topology: 'down', url: `redis://127.0.0.1:${await freePort()}` }));
});

describeRedis('lifecycle on a single Redis', () => {
  let server: StartedRedis;
  beforeAll(async () => (server = await startRedis()));
  afterAll(async () => server?.cleanup());

  it(`url: ${CYCLES} boots leave nothing behind, 0 clients`, () => churn({ topology: 'url', url: server.url }, [{ port: server.port }]));
  it("the app's own client and prom-client's global registry: reusable, listener and metric counts back", () =>
    churn({ topology: 'owned-client', url: server.url }, [{ port: server.port }], [1]));
  it('url: the process exits by itself after close', () => exitsByItself({ topology: 'url', url: server.url }));
});

describeRedis('lifecycle on a 3-master Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => (cluster = await startCluster(3, 0)), 60_000);
  afterAll(async () => cluster?.stop());
  const spec = () => ({ topology: 'cluster', nodes: cluster.nodes });

  it(`${CYCLES} boots leave nothing behind (0 clients on every node), no MaxListenersExceededWarning`, () =>
    churn(
      spec(),
      cluster.servers.map((s) => ({ port: s.port })),
    ));
  it('the process exits by itself after close', () => exitsByItself(spec()));
  it("the app's own Cluster client: its listener count back where it started (the store's slot watch removed)", () =>
    churn(
      { topology: 'owned-cluster', nodes: cluster.nodes },
      cluster.servers.map((s) => ({ port: s.port })),
      cluster.servers.map(() => 1),
    ));
});

describeRedis('lifecycle on Sentinel', () => {
  let set: RedisSentinels;
  beforeAll(async () => (set = await startSentinels()), 60_000);
  afterAll(async () => set?.stop());
  const spec = () => ({ topology: 'sentinel', sentinels: set.sentinels, name: set.name, sentinelPassword: set.sentinelPassword });
  const servers = (): Counted[] => [
    { port: set.master.port },
    { port: set.replica.port },
    ...set.sentinels.map((s) => ({ port: Number(s.split(':')[1]), password: set.sentinelPassword })),
  ];

  it(`${CYCLES} boots leave nothing behind: 0 clients on the master and on every sentinel`, () => churn(spec(), servers()));
  it('the process exits by itself after close (the failover detector closed too)', () => exitsByItself(spec()));
});
