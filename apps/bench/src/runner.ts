/**
 * The HTTP scenarios over the skeleton app (skeleton.ts): every variant's server started once per
 * scenario, pinned to core 0, then rounds that run the variants in order (round 1: v1..vn, round 2:
 * v1..vn, ...) so drift and noise hit all alike. Each run is a fresh load-generator process (wrk.ts);
 * Redis counters are reset before each measured run. After the rounds, one probe request per variant
 * records the status and rate-limit headers it answers with.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenchOptions } from './args';
import { spawnNode, stopChild, waitForLine } from './children';
import type { LoadResult, LoadSpec } from './load';
import { counterDelta, PrivateRedis, readCounters, RedisCounters, resetCounters } from './redis-admin';
import type { Skeleton } from './skeleton';
import { OUR_VARIANTS, REDIS_VARIANTS, ServerReady, Variant } from './variants';
import { runLoadRun } from './wrk';

/** An HTTP scenario: how many identities share the load, the limit, its variants and the ratios it reports. */
export interface Scenario {
  readonly id: 'S1' | 'S2';
  readonly title: string;
  readonly identities: number;
  readonly limit: number;
  readonly windowMs: number;
  /** In round order. */
  readonly variants: readonly Variant[];
  /** [a, b]: a's req/s over b's, paired per round. */
  readonly ratios: readonly (readonly [Variant, Variant])[];
}

/** S1: 10 000 identities, all under their limits. S2: one identity flooding at 10 per minute. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'S1',
    title: '10 000 keys spread evenly, all under their limit',
    identities: 10_000,
    limit: 1_000_000,
    windowMs: 60_000,
    variants: ['baseline', 'empty-guard', 'guard5', 'hook5', 'memory', 'redis', 'throttler', 'throttler-redis'],
    ratios: [
      ['memory', 'guard5'],
      ['memory', 'hook5'],
      ['memory', 'throttler'],
      ['redis', 'guard5'],
      ['redis', 'hook5'],
      ['redis', 'throttler-redis'],
      ['empty-guard', 'hook5'],
      ['guard5', 'hook5'],
    ],
  },
  {
    id: 'S2',
    title: 'one key flooding at 10 per minute',
    identities: 1,
    limit: 10,
    windowMs: 60_000,
    variants: ['guard429', 'hook429', 'memory', 'redis', 'throttler', 'throttler-redis'],
    ratios: [
      ['memory', 'guard429'],
      ['memory', 'hook429'],
      ['redis', 'guard429'],
      ['redis', 'hook429'],
      ['redis', 'throttler-redis'],
      ['memory', 'throttler'],
    ],
  },
];

/** What one probe request got back after the load. */
export interface Probe {
  readonly status: number;
  /** Names of the rate-limit headers (`ratelimit*`, `x-ratelimit-*`, `retry-after`) it carried. */
  readonly headers: string[];
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

/** Runs one scenario over its variants; servers are stopped whatever happens. */
export async function runScenario(
  scenario: Scenario,
  options: BenchOptions,
  redis: PrivateRedis,
  skeleton: Skeleton,
  log: Log,
): Promise<{ records: RunRecord[]; probes: Map<Variant, Probe> }> {
  await redis.admin.flushall();
  const servers = new Map<Variant, { child: ChildProcess; ready: ServerReady }>();
  const records: RunRecord[] = [];
  const probes = new Map<Variant, Probe>();
  try {
    // Started together (boots are the slow part of a --quick run); a server that fails stops the others in `finally`.
    const started = await Promise.allSettled(
      scenario.variants.map(async (variant) => servers.set(variant, await startServer(skeleton, variant, scenario, redis.url))),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (let round = 1; round <= options.rounds; round++) {
      for (const variant of scenario.variants) {
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
    for (const [variant, { ready }] of servers) probes.set(variant, await probe(ready.port));
  } finally {
    await Promise.all([...servers.values()].map(({ child }) => stopChild(child)));
  }
  return { records, probes };
}

/** Starts one variant of the skeleton on core 0 (`nodeArgs`: e.g. `--cpu-prof`); resolves once it serves. */
export async function startServer(
  skeleton: Skeleton,
  variant: Variant,
  scenario: Scenario,
  redisUrl: string,
  nodeArgs: readonly string[] = [],
): Promise<{ child: ChildProcess; ready: ServerReady }> {
  const args = ['--variant', variant, '--limit', String(scenario.limit), '--window-ms', String(scenario.windowMs)];
  if (REDIS_VARIANTS.has(variant)) args.push('--redis-url', redisUrl);
  const child = spawnNode(skeleton.main, args, nodeArgs, 'server');
  const ready = JSON.parse(await waitForLine(child, 'READY ', 30_000, `server ${variant}`)) as ServerReady;
  if (OUR_VARIANTS.has(variant) && ready.store?.state !== 'ok') {
    await stopChild(child);
    throw new Error(`server ${variant}: our store is not ok at start (${JSON.stringify(ready.store)}): it would measure the fallback`);
  }
  return { child, ready };
}

/** The load of one run against `port` (S1 cycles 10 000 keys; S2 floods key k0). */
export function loadSpec(scenario: Scenario, port: number, durationS: number, connections: number): LoadSpec {
  return { url: `http://127.0.0.1:${port}/`, connections, durationS, identities: scenario.identities };
}

async function probe(port: number): Promise<Probe> {
  const response = await fetch(`http://127.0.0.1:${port}/?api_key=k0`);
  await response.arrayBuffer();
  const headers = [...response.headers.keys()].filter((name) => /^(x-)?ratelimit|^retry-after$/.test(name));
  return { status: response.status, headers };
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
  const counting = REDIS_VARIANTS.has(variant) && !warmup;
  const before = counting ? await resetCounters(redis.admin) : undefined;
  const cpuBefore = processCpuUs(server.pid);
  const startedAt = Date.now();
  const load = await runLoadRun(loadSpec(scenario, server.port, durationS, options.connections));
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
