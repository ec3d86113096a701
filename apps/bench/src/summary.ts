/**
 * What the bench measured: medians over rounds per scenario and variant, and the paired ratios each
 * scenario reports (a's req/s over b's in the same round, median and min–max over rounds).
 */
import type { BenchOptions } from './args';
import type { MemoryCost } from './memory-cost';
import type { ProfileTop } from './profile';
import type { ScriptCeiling } from './redis-admin';
import type { Probe, RunRecord, Scenario } from './runner';
import type { Skeleton } from './skeleton';
import type { StorageBenchResult } from './storage-bench';
import { median } from './stats';
import { REDIS_VARIANTS, Variant } from './variants';

/** Everything the report shows. Missing parts (a step that failed) print as "not measured". */
export interface BenchData {
  readonly options: BenchOptions;
  readonly command: string;
  readonly startedAt: Date;
  readonly tookS: number;
  readonly machine: {
    readonly cpus: number;
    readonly model: string;
    readonly node: string;
    readonly redis: string;
    /** The 1-minute load average at the start and at the end: above the core count, others shared the cores. */
    readonly loadAverage: readonly [number, number];
  };
  readonly generator: string;
  readonly skeleton?: Skeleton;
  readonly scenarios: readonly Scenario[];
  readonly records: readonly RunRecord[];
  /** The probe after each scenario's rounds, by scenario id then variant. */
  readonly probes: ReadonlyMap<string, ReadonlyMap<Variant, Probe>>;
  readonly profiles: readonly ProfileTop[];
  readonly storage?: StorageBenchResult;
  readonly ceiling?: ScriptCeiling;
  readonly memoryCost?: MemoryCost;
  /** Steps that failed, with why. */
  readonly failures: readonly string[];
}

/** One variant in one scenario: medians over the measured rounds. */
export interface VariantSummary {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly roundsRps: number[];
  /** Median server CPU (user + system) per request, µs. */
  readonly serverCpuUsPerRequest: number;
  /** Median load-generator CPU per request, µs (autocannon only; NaN with wrk). */
  readonly generatorCpuUsPerRequest: number;
  /** Responses by status over every run of the scenario (warm-up included). */
  readonly statuses: Record<string, number>;
  readonly failed: number;
  /** Redis: script calls per request, script µs per call, script µs per request, process CPU µs per request. */
  readonly redis?: {
    callsPerRequest: number;
    admissionsPerRequest: number;
    usPerCall: number;
    scriptUsPerRequest: number;
    cpuUsPerRequest: number;
    decisionsPerCpuS: number;
  };
}

/** A paired ratio: the median over rounds of per-round ratios, and their min and max (the spread). */
export interface Ratio {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Summaries by scenario id, then variant (in the scenario's round order). */
export function summarize(records: readonly RunRecord[], scenarios: readonly Scenario[]): Map<string, Map<Variant, VariantSummary>> {
  const out = new Map<string, Map<Variant, VariantSummary>>();
  for (const scenario of scenarios) {
    const byVariant = new Map<Variant, VariantSummary>();
    for (const variant of scenario.variants) {
      const all = records.filter((r) => r.scenario === scenario.id && r.variant === variant);
      const measured = all.filter((r) => !r.warmup);
      if (measured.length === 0) continue;
      const statuses: Record<string, number> = {};
      for (const r of all) for (const [code, n] of Object.entries(r.load.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
      byVariant.set(variant, {
        rps: median(measured.map((r) => r.load.rps)),
        serverCpuUsPerRequest: median(measured.filter((r) => r.serverCpuUs !== undefined).map((r) => r.serverCpuUs! / r.load.completed)),
        generatorCpuUsPerRequest: median(
          measured.filter((r) => r.load.generatorCpuUs !== undefined).map((r) => r.load.generatorCpuUs! / r.load.completed),
        ),
        p50Ms: median(measured.map((r) => r.load.p50Ms)),
        p99Ms: median(measured.map((r) => r.load.p99Ms)),
        roundsRps: measured.map((r) => r.load.rps),
        statuses,
        failed: all.reduce((n, r) => n + r.load.errors + r.load.timeouts, 0),
        redis: REDIS_VARIANTS.has(variant) ? redisSummary(measured) : undefined,
      });
    }
    if (byVariant.size > 0) out.set(scenario.id, byVariant);
  }
  return out;
}

/** How a ratio compares two variants: by req/s, or by server CPU per request (the inverse: capacity on a whole core). */
export type RatioBy = 'rps' | 'cpu';

/** Per run: req/s, or requests per server-CPU second (undefined where /proc gave no CPU figure). */
function metric(r: RunRecord, by: RatioBy): number | undefined {
  if (by === 'rps') return r.load.rps;
  return r.serverCpuUs !== undefined && r.serverCpuUs > 0 ? (r.load.completed * 1e6) / r.serverCpuUs : undefined;
}

/**
 * `a` over `b` in the same round of `scenario` (by req/s, or by requests per server-CPU second):
 * median, min and max over rounds (NaN when unmeasured).
 */
export function pairedRatio(records: readonly RunRecord[], scenario: string, a: Variant, b: Variant, by: RatioBy = 'rps'): Ratio {
  const of = (variant: Variant, round: number) => {
    const run = records.find((r) => r.scenario === scenario && r.variant === variant && r.round === round && !r.warmup);
    return run && metric(run, by);
  };
  const ratios: number[] = [];
  for (const round of new Set(records.map((r) => r.round))) {
    const x = of(a, round);
    const y = of(b, round);
    if (x !== undefined && y !== undefined && y > 0) ratios.push(x / y);
  }
  return ratios.length
    ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) }
    : { median: NaN, min: NaN, max: NaN };
}

/** Admitted responses: `200` (autocannon) or `2xx` (wrk). */
export function admitted(statuses: Record<string, number>): number {
  return (statuses['200'] ?? 0) + (statuses['2xx'] ?? 0);
}

function redisSummary(runs: readonly RunRecord[]): VariantSummary['redis'] {
  const per = (f: (r: RunRecord) => number) => median(runs.filter((r) => r.redis && r.load.completed > 0).map(f));
  return {
    callsPerRequest: per((r) => r.redis!.scriptCalls / r.load.completed),
    admissionsPerRequest: per((r) => r.redis!.zaddCalls / r.load.completed),
    usPerCall: per((r) => (r.redis!.scriptCalls > 0 ? r.redis!.scriptUsec / r.redis!.scriptCalls : 0)),
    scriptUsPerRequest: per((r) => r.redis!.scriptUsec / r.load.completed),
    cpuUsPerRequest: per((r) => r.redis!.cpuUs / r.load.completed),
    decisionsPerCpuS: per((r) => (r.redis!.cpuUs > 0 ? (r.load.completed * 1e6) / r.redis!.cpuUs : Infinity)),
  };
}

/** How noisy the machine was: each scenario's first variant's spread over rounds, (max - min) / median. */
export function floorSpread(summaries: Map<string, Map<Variant, VariantSummary>>): Map<string, { variant: Variant; spread: number }> {
  const out = new Map<string, { variant: Variant; spread: number }>();
  for (const [scenario, byVariant] of summaries) {
    const [first] = byVariant;
    const rounds = first?.[1].roundsRps ?? [];
    if (rounds.length > 1) out.set(scenario, { variant: first[0], spread: (Math.max(...rounds) - Math.min(...rounds)) / median(rounds) });
  }
  return out;
}

/** A number for people: grouped thousands, `digits` decimals; `n/a` when not finite. */
export function fmt(value: number, digits: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
