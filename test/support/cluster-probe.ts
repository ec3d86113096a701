import { keySlot } from '../../libs/throttle/src/redis/key-slot';
import { command, RedisCluster, RedisServer, waitFor } from '../../libs/testkit/src';
import { Redis } from 'ioredis';
import { Client } from 'undici';

/** What a Cluster failover test asks the cluster and the demo's workers. */

type SlotRange = [number, number, [string, number], ...unknown[]];

/** `CLUSTER SLOTS` from a live node. */
async function slotsOf(server: RedisServer): Promise<SlotRange[]> {
  return (await command(server.port, 'CLUSTER', 'SLOTS')) as SlotRange[];
}

/**
 * Per master port, `count` values whose keys (`keyOf(value)`) hash to that master's slots, each
 * `<prefix>-<i>`: fresh keys on every master, known before a failover moves its slots.
 */
export async function valuesPerMaster(
  cluster: RedisCluster,
  keyOf: (value: string) => string,
  prefix: string,
  count: number,
): Promise<Map<number, string[]>> {
  const ranges = await slotsOf(cluster.servers[0]);
  const byPort = new Map<number, string[]>(ranges.map((r) => [r[2][1], []]));
  for (let i = 0; [...byPort.values()].some((v) => v.length < count); i++) {
    const value = `${prefix}-${i}`;
    const slot = keySlot(keyOf(value));
    const port = ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
    const values = byPort.get(port)!;
    if (values.length < count) values.push(value);
  }
  return byPort;
}

/** The replica of `master`, and how many members its copy of `key` holds (READONLY: a replica otherwise redirects reads). */
export async function replicaCopy(
  cluster: RedisCluster,
  master: RedisServer,
  key: string,
): Promise<{ replica: RedisServer; zcard: number }> {
  const infos = await Promise.all(cluster.servers.map(async (s) => [s, String(await command(s.port, 'INFO', 'replication'))] as const));
  const replica = infos.find(([, info]) => info.includes(`master_port:${master.port}\r`))![0];
  const client = new Redis({ port: replica.port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.call('READONLY');
    return { replica, zcard: await client.zcard(key) };
  } finally {
    client.disconnect();
  }
}

/**
 * Resolves once every live node reports `cluster_state:ok` and no slot is served by `victim` any more
 * (its replica was promoted): the failover is complete as the cluster itself says. `completeAt` is
 * then (`Date.now()`); `downAt`, when a node first said `cluster_state:fail` (the whole cluster
 * refusing keys: only with `cluster-require-full-coverage yes`, the default).
 */
export async function failoverComplete(
  cluster: RedisCluster,
  victim: RedisServer,
  timeoutMs = 20_000,
): Promise<{ completeAt: number; downAt?: number }> {
  const live = cluster.servers.filter((s) => s !== victim);
  let downAt: number | undefined;
  const waiting = waitFor(
    'the cluster to report the failover complete',
    async () => {
      const asked = Date.now();
      const infos = await Promise.all(live.map((s) => command(s.port, 'CLUSTER', 'INFO')));
      if (infos.some((info) => String(info).includes('cluster_state:fail'))) downAt ??= asked;
      if (!infos.every((info) => String(info).includes('cluster_state:ok'))) return false;
      const views = await Promise.all(live.map(slotsOf));
      return views.every((ranges) => ranges.every((r) => r[2][1] !== victim.port));
    },
    timeoutMs,
  );
  await waiting.catch(async (error: Error) => {
    const view = await command(live[0].port, 'CLUSTER', 'NODES').catch(String);
    throw new Error(`${error.message}; CLUSTER NODES on ${live[0].port}:\n${String(view)}`);
  });
  return { completeAt: Date.now(), downAt };
}

/** One request of {@link WorkerTraffic}: when it was sent, its answer, and whether the shared store decided it. */
interface Sent {
  readonly sentAt: number;
  readonly status: number | 'error';
  readonly shared: boolean;
}

/**
 * Paced traffic over keep-alive connections pinned to workers (node:cluster hands each new connection to
 * a worker; `/health` on it says which): `perWorker` connections per worker, each sending `GET pathOf()`
 * then pausing `pauseMs`. A response tells whether the shared store decided it: the `local` policy
 * answers under the worker's share of the limit, so its `X-RateLimit-Limit` is not `sharedLimit`.
 * From that, per worker, when it was back on shared limits.
 */
export class WorkerTraffic {
  private running = true;
  private done: Promise<void> = Promise.resolve();
  private readonly sent = new Map<number, Sent[]>();

  private constructor(private readonly clients: Map<Client, number>) {}

  /** Opens connections until every one of `workers` workers has `perWorker` of them (others are closed). */
  static async open(url: string, workers: number, perWorker = 2): Promise<WorkerTraffic> {
    const kept = new Map<Client, number>();
    const count = new Map<number, number>();
    for (let attempt = 0; kept.size < workers * perWorker; attempt++) {
      if (attempt > workers * perWorker * 20) {
        await Promise.all([...kept.keys()].map((client) => client.close()));
        throw new Error(`could not reach ${workers} workers with ${perWorker} connections each`);
      }
      const client = new Client(url);
      const res = await client.request({ method: 'GET', path: '/health' });
      const { pid } = (await res.body.json()) as { pid: number };
      if ((count.get(pid) ?? 0) < perWorker) {
        kept.set(client, pid);
        count.set(pid, (count.get(pid) ?? 0) + 1);
      } else await client.close();
    }
    return new WorkerTraffic(kept);
  }

  /** Starts the loops. */
  start(pathOf: () => string, sharedLimit: number, pauseMs: number): void {
    const loop = async (client: Client, pid: number) => {
      const sent = this.sent.get(pid) ?? [];
      this.sent.set(pid, sent);
      while (this.running) {
        const sentAt = Date.now();
        try {
          const res = await client.request({ method: 'GET', path: pathOf(), signal: AbortSignal.timeout(2_000) });
          await res.body.dump();
          sent.push({ sentAt, status: res.statusCode, shared: Number(res.headers['x-ratelimit-limit']) === sharedLimit });
        } catch {
          sent.push({ sentAt, status: 'error', shared: false });
        }
        await new Promise((resolve) => setTimeout(resolve, pauseMs)); // pacing the traffic
      }
    };
    this.done = Promise.all([...this.clients].map(([client, pid]) => loop(client, pid))).then(() => undefined);
  }

  /** Workers that answered from the policy and have not had a shared answer since. */
  get pendingWorkers(): number {
    return [...this.sent.values()].filter((sent) => backAt(sent) === undefined).length;
  }

  /** Stops; the statuses of every request, and per worker ms from `since` until it was back (0: it never fell back). */
  async stop(since: number): Promise<{ statuses: (number | 'error')[]; backAfterMs: Map<number, number | undefined> }> {
    this.running = false;
    await this.done;
    await Promise.all([...this.clients.keys()].map((client) => client.close()));
    const statuses = [...this.sent.values()].flatMap((sent) => sent.map((s) => s.status));
    const backAfterMs = new Map([...this.sent].map(([pid, sent]) => [pid, backAt(sent) === 0 ? 0 : backAt(sent) && backAt(sent)! - since]));
    return { statuses, backAfterMs };
  }
}

/** When a worker was back: its first shared answer after its last policy answer; 0 if it never fell back; undefined if not back. */
function backAt(sent: readonly Sent[]): number | undefined {
  let last = -1;
  sent.forEach((s, i) => (last = s.shared ? last : i));
  return last === -1 ? 0 : sent.slice(last + 1).find((s) => s.shared)?.sentAt;
}
