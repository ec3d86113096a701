/**
 * What the bench measured and what it concludes: medians over rounds per scenario and variant,
 * the correctness checks and the issue-10 targets, each a verdict.
 */
import type { BenchOptions } from './args';
import type { MemoryCost } from './memory-cost';
import type { ScriptCeiling } from './redis-admin';
import type { RunRecord, Scenario } from './runner';
import type { StorageBenchResult } from './storage-bench';
import { median } from './stats';
import { REDIS_VARIANTS, Variant, VARIANTS } from './variants';

/** Everything the report shows. Missing parts (a step that failed) print as "not measured". */
export interface BenchData {
  readonly options: BenchOptions;
  readonly command: string;
  readonly startedAt: Date;
  readonly tookS: number;
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly redis: string };
  readonly scenarios: readonly Scenario[];
  readonly records: readonly RunRecord[];
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
  /** Median over rounds of req/s ÷ the baseline's req/s in the same round (paired: drift cancels). */
  readonly xBaseline: number;
  /** The same against the scenario's floor (see floors.ts), with its spread over rounds. */
  readonly xFloor: Ratio;
  /** The same against the peer (memory: throttler, redis: throttler-redis); undefined for others. */
  readonly xPeer?: Ratio;
  /** Median server CPU (user + system) per request, µs. */
  readonly serverCpuUsPerRequest: number;
  /** Median load-generator CPU per request, µs (it shares the cores: a costlier response slows the generator too). */
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

/** A check or target and whether it holds (undefined: not measured). */
export interface Verdict {
  readonly what: string;
  readonly figure: string;
  readonly ok: boolean | undefined;
}

/** The peer of each of our variants: the same storage kind in @nestjs/throttler. */
export const PEERS: Partial<Record<Variant, Variant>> = { memory: 'throttler', redis: 'throttler-redis' };

/** Summaries by scenario id, then variant. */
export function summarize(records: readonly RunRecord[], scenarios: readonly Scenario[]): Map<string, Map<Variant, VariantSummary>> {
  const out = new Map<string, Map<Variant, VariantSummary>>();
  for (const scenario of new Set(records.map((r) => r.scenario))) {
    const floor = scenarios.find((s) => s.id === scenario)?.floor ?? 'baseline';
    const byVariant = new Map<Variant, VariantSummary>();
    for (const variant of VARIANTS) {
      const all = records.filter((r) => r.scenario === scenario && r.variant === variant);
      const measured = all.filter((r) => !r.warmup);
      if (measured.length === 0) continue;
      const statuses: Record<string, number> = {};
      for (const r of all) for (const [code, n] of Object.entries(r.load.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
      const peer = PEERS[variant];
      byVariant.set(variant, {
        rps: median(measured.map((r) => r.load.rps)),
        xBaseline: pairedRatio(records, scenario, variant, 'baseline').median,
        xFloor: pairedRatio(records, scenario, variant, floor),
        xPeer: peer === undefined ? undefined : pairedRatio(records, scenario, variant, peer),
        serverCpuUsPerRequest: median(measured.filter((r) => r.serverCpuUs !== undefined).map((r) => r.serverCpuUs! / r.load.completed)),
        generatorCpuUsPerRequest: median(measured.map((r) => r.load.generatorCpuUs / r.load.completed)),
        p50Ms: median(measured.map((r) => r.load.p50Ms)),
        p99Ms: median(measured.map((r) => r.load.p99Ms)),
        roundsRps: measured.map((r) => r.load.rps),
        statuses,
        failed: all.reduce((n, r) => n + r.load.errors + r.load.timeouts, 0),
        redis: REDIS_VARIANTS.has(variant) ? redisSummary(measured) : undefined,
      });
    }
    out.set(scenario, byVariant);
  }
  return out;
}

/** `a`'s req/s over `b`'s in the same round: median, min and max over rounds. */
function pairedRatio(records: readonly RunRecord[], scenario: string, a: Variant, b: Variant): Ratio {
  const rpsOf = (variant: Variant, round: number) =>
    records.find((r) => r.scenario === scenario && r.variant === variant && r.round === round && !r.warmup)?.load.rps;
  const ratios: number[] = [];
  for (const round of new Set(records.map((r) => r.round))) {
    const x = rpsOf(a, round);
    const y = rpsOf(b, round);
    if (x !== undefined && y !== undefined && y > 0) ratios.push(x / y);
  }
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
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

/** Correctness: S1 all 200 everywhere; S2 our variants admit at most the limit per window. */
export function correctness(data: BenchData, summaries: Map<string, Map<Variant, VariantSummary>>): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const scenario of data.scenarios) {
    for (const [variant, s] of summaries.get(scenario.id) ?? []) {
      const total = Object.values(s.statuses).reduce((a, b) => a + b, 0);
      const ok200 = s.statuses['200'] ?? 0;
      if (scenario.id === 'S1' || variant === 'baseline') {
        verdicts.push({
          what: `${scenario.id} ${variant}: every response 200`,
          figure: `${ok200} of ${total} (+${s.failed} errors/timeouts)`,
          ok: ok200 === total && s.failed === 0,
        });
      } else if (PEERS[variant] !== undefined) {
        verdicts.push(admissionCheck(data, scenario, variant, s));
      }
      if (scenario.id === 'S1' && s.redis) {
        // Ours batches (one script call carries many requests): count its admissions logged in Redis (ZADD, one per
        // request here). The peer's fixed window logs no ZADD: one script call per request.
        const perRequest = variant === 'redis' ? s.redis.admissionsPerRequest : s.redis.callsPerRequest;
        const figure = `${fmt(s.redis.admissionsPerRequest, 3)} ZADD and ${fmt(s.redis.callsPerRequest, 3)} script calls per request`;
        verdicts.push({ what: `${scenario.id} ${variant}: every request decided in Redis`, figure, ok: perRequest >= 0.99 });
      }
    }
  }
  return verdicts;
}

function admissionCheck(data: BenchData, scenario: Scenario, variant: Variant, s: VariantSummary): Verdict {
  const runs = data.records.filter((r) => r.scenario === scenario.id && r.variant === variant);
  const spanMs = Math.max(...runs.map((r) => r.endedAt)) - Math.min(...runs.map((r) => r.startedAt));
  const bound = scenario.limit * Math.ceil(spanMs / scenario.windowMs);
  const bounded = (r: RunRecord) =>
    (r.load.statuses['200'] ?? 0) <= scenario.limit * Math.ceil((r.endedAt - r.startedAt) / scenario.windowMs);
  const worstRun = Math.max(...runs.map((r) => r.load.statuses['200'] ?? 0));
  const admitted = s.statuses['200'] ?? 0;
  const others = Object.entries(s.statuses).filter(([code]) => code !== '200' && code !== '429');
  return {
    what: `${scenario.id} ${variant}: at most ${scenario.limit} admitted per ${scenario.windowMs / 1000} s window, the rest 429`,
    figure: `${admitted} × 200 over ${fmt(spanMs / 1000, 0)} s (bound ${bound}; most in one run ${worstRun}), ${s.statuses['429'] ?? 0} × 429${others.length ? `, other: ${JSON.stringify(Object.fromEntries(others))}` : ''}`,
    ok: admitted <= bound && runs.every(bounded) && others.length === 0 && s.failed === 0,
  };
}

/** The performance targets of issue 10 (HTTP ratios: medians of per-round paired ratios). */
export function targets(data: BenchData, summaries: Map<string, Map<Variant, VariantSummary>>): Verdict[] {
  const get = (scenario: string, variant: Variant) => summaries.get(scenario)?.get(variant);
  const verdict = (what: string, r: number | undefined, min: number): Verdict =>
    r === undefined || !Number.isFinite(r)
      ? { what, figure: 'not measured', ok: undefined }
      : { what, figure: `${fmt(r, 2)}×`, ok: r >= min };
  const rates = data.storage?.rates ?? [];
  const rateOf = (prefix: string) => rates.find((r) => r.name.startsWith(prefix))?.decisionsPerS;
  const batched = rateOf('ours redis, RedisThrottleStorage (module client)');
  const unbatched = rateOf('ours redis, unbatched');
  return [
    verdict('S1 memory ≥ 0.95× the header floor', get('S1', 'memory')?.xFloor.median, 0.95),
    verdict('S1 redis ≥ 0.75× the header floor', get('S1', 'redis')?.xFloor.median, 0.75),
    verdict('S1 redis ≥ 1.5× throttler-redis', get('S1', 'redis')?.xPeer?.median, 1.5),
    verdict('S2 memory ≥ 0.95× the 429 floor', get('S2', 'memory')?.xFloor.median, 0.95),
    verdict('S2 redis ≥ 0.95× the 429 floor', get('S2', 'redis')?.xFloor.median, 0.95),
    verdict(
      'S3 redis decisions/s (batched) ≥ 1.5× the unbatched store (one script per request, as before issue 10)',
      batched && unbatched ? batched / unbatched : undefined,
      1.5,
    ),
  ];
}

/** How noisy the machine was: the baseline's spread over rounds, (max - min) / median, per scenario. */
export function baselineSpread(summaries: Map<string, Map<Variant, VariantSummary>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [scenario, byVariant] of summaries) {
    const rounds = byVariant.get('baseline')?.roundsRps ?? [];
    if (rounds.length > 1) out.set(scenario, (Math.max(...rounds) - Math.min(...rounds)) / median(rounds));
  }
  return out;
}

/** A number for people: grouped thousands, `digits` decimals; `n/a` when not finite. */
export function fmt(value: number, digits: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
