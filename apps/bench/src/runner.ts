/**
 * The HTTP scenarios: every variant's server started once per scenario, then rounds that run the
 * variants in order (round 1: v1..v5, round 2: v1..v5, ...) so drift and noise hit all alike.
 * Each run is a fresh load-generator process; Redis counters are reset before each measured run.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenchOptions } from './args';
import { runScript, spawnNode, stopChild, waitForLine } from './children';
import type { LoadResult, LoadSpec } from './load';
import { counterDelta, PrivateRedis, readCounters, RedisCounters, resetCounters } from './redis-admin';
import type { ServerReady } from './server';
import { BenchLimit, FLOOR_VARIANTS, REDIS_VARIANTS, Variant, VARIANTS } from './variants';

/** An HTTP scenario: how many identities share the load, and the limit every throttled variant enforces. */
export interface Scenario extends BenchLimit {
  readonly id: 'S1' | 'S2';
  readonly title: string;
  readonly identities: number;
  /** What the contract forces on any limiter here (see floors.ts): the throttled variants' reference. */
  readonly floor: Variant;
}

/** S1: 10 000 identities, all under their limits. S2: one identity flooding far over its limit. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'S1',
    title: '10 000 identities spread evenly, all under their limit',
    identities: 10_000,
    limit: 1_000_000,
    windowMs: 60_000,
    floor: 'floor-headers',
  },
  { id: 'S2', title: 'one identity flooding far over its limit', identities: 1, limit: 10, windowMs: 60_000, floor: 'floor-429' },
];

/** The variants a scenario runs, in round order: every variant but the other scenario's floor. */
export function variantsOf(scenario: Scenario): Variant[] {
  return VARIANTS.filter((v) => !FLOOR_VARIANTS.has(v) || v === scenario.floor);
}

/** One load run against one variant. */
export interface RunRecord {
  readonly scenario: Scenario['id'];
  readonly variant: Variant;
  readonly round: number;
  /** Warm-up runs count for correctness, never for speed. */
  readonly warmup: boolean;
  readonly load: LoadResult;
  /** Redis activity during the run (redis variants only). */
  readonly redis?: RedisCounters;
  /** CPU (user + system) the variant's server process used during the run, in µs (Linux /proc; 10 ms ticks). */
  readonly serverCpuUs?: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Progress lines go to stderr; the report goes to stdout. */
export type Log = (line: string) => void;

/** Runs one scenario over every variant; servers are stopped whatever happens. */
export async function runScenario(scenario: Scenario, options: BenchOptions, redis: PrivateRedis, log: Log): Promise<RunRecord[]> {
  await redis.admin.flushall();
  const servers = new Map<Variant, { child: ChildProcess; ready: ServerReady }>();
  const records: RunRecord[] = [];
  try {
    const variants = variantsOf(scenario);
    // Started together (boots are the slow part of a --quick run); a server that fails stops the others in `finally`.
    const started = await Promise.allSettled(
      variants.map(async (variant) => servers.set(variant, await startServer(variant, scenario, redis.url))),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (let round = 1; round <= options.rounds; round++) {
      for (const variant of variants) {
        const server = servers.get(variant)!.ready;
        if (round === 1 && options.warmupS > 0) {
          records.push(await measure(scenario, variant, round, true, server, options.warmupS, options, redis));
        }
        const record = await measure(scenario, variant, round, false, server, options.durationS, options, redis);
        records.push(record);
        const { rps, p50Ms, p99Ms, statuses } = record.load;
        log(
          `${scenario.id} round ${round}/${options.rounds} ${variant.padEnd(15)} ${Math.round(rps).toString().padStart(6)} req/s  p50 ${p50Ms} ms  p99 ${p99Ms} ms  ${JSON.stringify(statuses)}`,
        );
      }
    }
  } finally {
    await Promise.all([...servers.values()].map(({ child }) => stopChild(child)));
  }
  return records;
}

async function startServer(variant: Variant, scenario: Scenario, redisUrl: string): Promise<{ child: ChildProcess; ready: ServerReady }> {
  const args = ['--variant', variant, '--port', '0', '--limit', String(scenario.limit), '--window-ms', String(scenario.windowMs)];
  if (REDIS_VARIANTS.has(variant)) args.push('--redis-url', redisUrl);
  const child = spawnNode('server.js', args, [], 'server');
  const ready = JSON.parse(await waitForLine(child, 'READY ', 30_000, `server ${variant}`)) as ServerReady;
  if (ready.store !== undefined && ready.store.state !== 'ok') {
    await stopChild(child);
    throw new Error(`server ${variant}: our store is not ok at start (${JSON.stringify(ready.store)}): it would measure the fallback`);
  }
  return { child, ready };
}

async function measure(
  scenario: Scenario,
  variant: Variant,
  round: number,
  warmup: boolean,
  server: ServerReady,
  durationS: number,
  options: BenchOptions,
  redis: PrivateRedis,
): Promise<RunRecord> {
  const spec: LoadSpec = {
    url: `http://127.0.0.1:${server.port}/hi`,
    connections: options.connections,
    durationS,
    identities: scenario.identities,
  };
  const counting = REDIS_VARIANTS.has(variant) && !warmup;
  const before = counting ? await resetCounters(redis.admin) : undefined;
  const cpuBefore = processCpuUs(server.pid);
  const startedAt = Date.now();
  const load = await runScript<LoadResult>('load.js', [JSON.stringify(spec)], 'RESULT ', (durationS + 30) * 1000, 'generator');
  const endedAt = Date.now();
  const cpuAfter = processCpuUs(server.pid);
  const serverCpuUs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  const redisDelta = before ? counterDelta(before, await readCounters(redis.admin)) : undefined;
  return { scenario: scenario.id, variant, round, warmup, load, redis: redisDelta, serverCpuUs, startedAt, endedAt };
}

const CLOCK_TICKS_PER_S = 100; // USER_HZ: 100 on every Linux the bench targets

/** CPU time (user + system) of a process so far, in µs, from /proc/<pid>/stat; undefined where there is no /proc. */
function processCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return (Number(fields[11]) + Number(fields[12])) * (1e6 / CLOCK_TICKS_PER_S); // utime, stime: fields 14, 15
  } catch {
    return undefined;
  }
}
