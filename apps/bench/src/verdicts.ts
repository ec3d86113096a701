/**
 * What the bench concludes, each a verdict: the correctness checks (every variant answered what it
 * should, so no ratio compares a broken app) and the issue-19 targets.
 */
import type { RunRecord, Scenario } from './runner';
import { admitted, BenchData, fmt, pairedRatio, VariantSummary } from './summary';
import { OUR_VARIANTS, Variant } from './variants';

/** A check or target and whether it holds (undefined: not measured). */
export interface Verdict {
  readonly what: string;
  readonly figure: string;
  readonly ok: boolean | undefined;
}

/** Rate-limit headers each variant's probe must carry: 5 on an admitted request, 6 (with Retry-After) on a 429. */
const PROBE_HEADERS: Partial<Record<Variant, number>> = { guard5: 5, hook5: 5, guard429: 6, hook429: 6 };

/**
 * Correctness: S1 every response 2xx everywhere; S2 our variants admit at most the limit per window;
 * no errors or timeouts; each probe after the load answers 200 (S1) or 429 (S2) with the contract's headers.
 */
export function correctness(data: BenchData, summaries: Map<string, Map<Variant, VariantSummary>>): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const scenario of data.scenarios) {
    for (const [variant, s] of summaries.get(scenario.id) ?? []) {
      const total = Object.values(s.statuses).reduce((a, b) => a + b, 0);
      if (scenario.id === 'S1') {
        const ok = admitted(s.statuses);
        verdicts.push({
          what: `S1 ${variant}: every response 2xx`,
          figure: `${ok} of ${total} (+${s.failed} errors/timeouts)`,
          ok: ok === total && s.failed === 0,
        });
      } else if (OUR_VARIANTS.has(variant)) {
        verdicts.push(admissionCheck(data, scenario, variant, s));
      } else {
        verdicts.push({ what: `S2 ${variant}: no errors or timeouts`, figure: `${s.failed}`, ok: s.failed === 0 });
      }
      if (scenario.id === 'S1' && s.redis) {
        // Ours batches (one script call carries many requests): count its admissions logged in Redis (ZADD, one per
        // request here). The peer's fixed window logs no ZADD: one script call per request.
        const perRequest = variant === 'redis' ? s.redis.admissionsPerRequest : s.redis.callsPerRequest;
        const figure = `${fmt(s.redis.admissionsPerRequest, 3)} ZADD and ${fmt(s.redis.callsPerRequest, 3)} script calls per request`;
        verdicts.push({ what: `S1 ${variant}: every request decided in Redis`, figure, ok: perRequest >= 0.99 });
      }
      const probe = data.probes.get(scenario.id)?.get(variant);
      if (probe) {
        const status = scenario.id === 'S1' ? 200 : 429;
        const headers = OUR_VARIANTS.has(variant) ? (scenario.id === 'S1' ? 5 : 6) : PROBE_HEADERS[variant];
        // A peer counts fixed windows: its window may have just ended when the probe comes (a fresh one admits), so
        // its S2 probe may be 200 or 429. Ours (sliding log) and the floors must answer exactly.
        const peerWindow = scenario.id === 'S2' && !OUR_VARIANTS.has(variant) && PROBE_HEADERS[variant] === undefined;
        const statusOk = probe.status === status || (peerWindow && probe.status === 200);
        verdicts.push({
          what: `${scenario.id} ${variant}: a probe after the load answers ${peerWindow ? '429 (or 200: a new fixed window)' : status}${headers ? ` with ${headers} rate-limit headers` : ''}`,
          figure: `${probe.status}, headers: ${probe.headers.join(', ') || 'none'}`,
          ok: statusOk && (headers === undefined || probe.headers.length === headers),
        });
      }
    }
  }
  return verdicts;
}

function admissionCheck(data: BenchData, scenario: Scenario, variant: Variant, s: VariantSummary): Verdict {
  const runs = data.records.filter((r) => r.scenario === scenario.id && r.variant === variant);
  const spanMs = Math.max(...runs.map((r) => r.endedAt)) - Math.min(...runs.map((r) => r.startedAt));
  const bound = scenario.limit * Math.ceil(spanMs / scenario.windowMs);
  const bounded = (r: RunRecord) => admitted(r.load.statuses) <= scenario.limit * Math.ceil((r.endedAt - r.startedAt) / scenario.windowMs);
  const worstRun = Math.max(...runs.map((r) => admitted(r.load.statuses)));
  const ok = admitted(s.statuses);
  const refused = Object.entries(s.statuses).filter(([code]) => code !== '200' && code !== '2xx');
  return {
    what: `S2 ${variant}: at most ${scenario.limit} admitted per ${scenario.windowMs / 1000} s window, the rest refused`,
    figure: `${ok} admitted over ${fmt(spanMs / 1000, 0)} s (bound ${bound}; most in one run ${worstRun}), refused: ${JSON.stringify(Object.fromEntries(refused))}`,
    ok: ok <= bound && runs.every(bounded) && s.failed === 0,
  };
}

/** The performance targets of issue 19 (HTTP ratios: medians of per-round paired ratios), and issue 10's S3 one. */
export function targets(data: BenchData): Verdict[] {
  const verdict = (scenario: string, a: Variant, b: Variant, min: number): Verdict => {
    const r = pairedRatio(data.records, scenario, a, b).median;
    const what = `${scenario} ${a} ≥ ${min}× ${b}`;
    return Number.isFinite(r) ? { what, figure: `${fmt(r, 2)}×`, ok: r >= min } : { what, figure: 'not measured', ok: undefined };
  };
  const rates = data.storage?.rates ?? [];
  const rateOf = (prefix: string) => rates.find((r) => r.name.startsWith(prefix))?.decisionsPerS;
  const batched = rateOf('ours redis, RedisThrottleStorage (module client)');
  const unbatched = rateOf('ours redis, unbatched');
  const s3 = batched && unbatched ? batched / unbatched : undefined;
  const s3What = 'S3 redis decisions/s (batched) ≥ 1.5× the unbatched store (issue 10)';
  return [
    verdict('S1', 'memory', 'guard5', 0.95),
    verdict('S1', 'redis', 'guard5', 0.85),
    verdict('S1', 'redis', 'throttler-redis', 1.5),
    verdict('S2', 'memory', 'guard429', 0.95),
    verdict('S2', 'redis', 'guard429', 0.95),
    s3 === undefined ? { what: s3What, figure: 'not measured', ok: undefined } : { what: s3What, figure: `${fmt(s3, 2)}×`, ok: s3 >= 1.5 },
  ];
}
