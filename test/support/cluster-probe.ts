import { keySlot } from '../../libs/throttle/src/redis/key-slot';
import { command, RedisCluster, RedisServer, waitFor } from '../../libs/testkit/src';
import { health } from './http-probes';

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
  await waitFor(
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
  return { completeAt: Date.now(), downAt };
}

/** One worker's /health reports over time: when it last said degraded, and when it said ok after that. */
interface WorkerTimeline {
  lastDegradedAt?: number;
  okAfter?: number;
}

/**
 * Polls /health (a new connection each time, so every worker answers in turn) from `since` until
 * stopped, and tells per worker when it was back: its first `ok` after its last degraded report.
 */
export class HealthWatch {
  private readonly workers = new Map<number, WorkerTimeline>();
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly url: string,
    readonly since: number,
  ) {
    this.done = Promise.all([this.loop(), this.loop()]).then(() => undefined);
  }

  /** Stops polling; per worker pid, ms from `since` until it was back (0: never seen degraded; undefined: not back). */
  async stop(): Promise<Map<number, number | undefined>> {
    this.running = false;
    await this.done;
    const backAfter = (t: WorkerTimeline) =>
      t.lastDegradedAt === undefined ? 0 : t.okAfter === undefined ? undefined : t.okAfter - this.since;
    return new Map([...this.workers].map(([pid, t]) => [pid, backAfter(t)]));
  }

  /** Workers seen degraded after `since` that have not reported ok since. */
  get pendingWorkers(): number {
    return [...this.workers.values()].filter((t) => t.lastDegradedAt !== undefined && t.okAfter === undefined).length;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const asked = Date.now();
      const report = await health(this.url).catch(() => undefined);
      if (report !== undefined) this.record(report.pid, report.store.state === 'ok', asked);
      await new Promise((resolve) => setTimeout(resolve, 20)); // pacing the polls, not waiting for a state
    }
  }

  private record(pid: number, ok: boolean, asked: number): void {
    const timeline = this.workers.get(pid) ?? {};
    this.workers.set(pid, timeline);
    if (ok) timeline.okAfter ??= asked;
    else {
      timeline.lastDegradedAt = asked;
      timeline.okAfter = undefined;
    }
  }
}
