/**
 * Turns the per-request records of a run into the report (the JSON shape; the text report is
 * rendered from it by format.ts).
 */
import type { LoadTestOptions } from './args';
import type { Records } from './records';
import { type LatencySummary, maxCertainlyInWindow, maxInWindow, summarizeLatency } from './stats';

/** The `--rate` check: how many 2xx admissions were seen in one window of the rate's period. */
export interface WindowCheck {
  readonly rate: string;
  readonly limit: number;
  readonly windowMs: number;
  /**
   * Largest number of 2xx responses that certainly fell in one window: their last response
   * arrived less than `windowMs` after the first of them was sent. Jitter cannot inflate it,
   * so a value above `limit` proves over-admission. This is the number the text report shows.
   */
  readonly maxAdmitted: number;
  /** Same, counted from response receive times alone (can read high by a jitter's worth). */
  readonly maxAdmittedByReceiveTime: number;
}

/** Counts and latencies over a set of requests (the whole run, or one target). */
export interface Summary {
  /** Requests that finished: a response, or an error. */
  readonly completed: number;
  /** Count per HTTP status, keyed by the code (`"200"`). */
  readonly statuses: Readonly<Record<string, number>>;
  /** Count per error class (`timeout`, `ECONNREFUSED`, `aborted`, ...). */
  readonly errors: Readonly<Record<string, number>>;
  /** Send-to-body-read latency over the requests that got a response; null if none did. */
  readonly latencyMs: LatencySummary | null;
  readonly window?: WindowCheck;
}

/** Why a run stopped before sending every request, if it did. */
export type StopReason = 'deadline' | 'duration' | 'interrupted';

/** Facts about the run itself, from the runner. */
export interface RunFacts {
  readonly elapsedMs: number;
  readonly stoppedBy: StopReason | null;
  /** Largest delay between a paced request's due time and its actual send (paced mode). */
  readonly maxSendLagMs: number | null;
}

/** The whole report, printed as is by `--json`. */
export interface Report extends Summary {
  readonly mode: 'paced' | 'flood';
  readonly targets: readonly string[];
  readonly requests: number;
  readonly durationS: number | null;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly sent: number;
  readonly notSent: number;
  readonly elapsedMs: number;
  /** Completed requests per second of wall time (start to the last outcome). */
  readonly requestsPerSecond: number;
  /** The paced rate asked for (n / d), null for a flood. */
  readonly targetRequestsPerSecond: number | null;
  readonly maxSendLagMs: number | null;
  readonly stoppedBy: StopReason | null;
  /** One summary per target, when there is more than one. */
  readonly perTarget?: ReadonlyArray<Summary & { readonly target: string }>;
}

/** Builds the report of a finished run. */
export function buildReport(options: LoadTestOptions, records: Records, facts: RunFacts): Report {
  const targets = options.targets.map((u) => u.href);
  const all = summarize(records, options, () => true);
  const perTarget =
    targets.length > 1
      ? targets.map((target, t) => ({ target, ...summarize(records, options, (i) => records.target(i) === t) }))
      : undefined;
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    mode: options.flood ? 'flood' : 'paced',
    targets,
    requests: options.requests,
    durationS: options.durationMs === undefined ? null : options.durationMs / 1_000,
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    sent: records.length,
    notSent: options.requests - records.length,
    elapsedMs: round(facts.elapsedMs),
    requestsPerSecond: facts.elapsedMs > 0 ? round((all.completed * 1_000) / facts.elapsedMs) : 0,
    targetRequestsPerSecond:
      options.flood || options.durationMs === undefined ? null : round((options.requests * 1_000) / options.durationMs),
    maxSendLagMs: facts.maxSendLagMs === null ? null : round(facts.maxSendLagMs),
    stoppedBy: facts.stoppedBy,
    ...all,
    ...(perTarget && { perTarget }),
  };
}

/** Summarises the requests `i` for which `include(i)` holds. */
export function summarize(records: Records, options: Pick<LoadTestOptions, 'rate'>, include: (i: number) => boolean): Summary {
  const statuses = new Map<number, number>();
  const errors = new Map<string, number>();
  const latencies = new Float64Array(records.length);
  const okStarts = new Float64Array(records.length);
  const okEnds = new Float64Array(records.length);
  let completed = 0;
  let responses = 0;
  let admitted = 0;
  for (let i = 0; i < records.length; i++) {
    if (!include(i) || !records.isDone(i)) continue;
    completed++;
    const status = records.status(i);
    if (status === undefined) {
      const error = records.error(i) ?? 'unknown';
      errors.set(error, (errors.get(error) ?? 0) + 1);
      continue;
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    latencies[responses++] = records.doneAt(i) - records.sentAt(i);
    if (status >= 200 && status < 300) {
      okStarts[admitted] = records.sentAt(i); // records are in send order, so ascending
      okEnds[admitted++] = records.doneAt(i);
    }
  }
  const rate = options.rate;
  const window: WindowCheck | undefined = rate && {
    rate: rate.text,
    limit: rate.parsed.limit,
    windowMs: rate.parsed.windowMs,
    maxAdmitted: maxCertainlyInWindow(okStarts.subarray(0, admitted), okEnds.subarray(0, admitted), rate.parsed.windowMs),
    maxAdmittedByReceiveTime: maxInWindow(okEnds.slice(0, admitted).sort(), rate.parsed.windowMs),
  };
  return {
    completed,
    statuses: Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0]).map(([code, count]) => [String(code), count])),
    errors: Object.fromEntries([...errors].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
    latencyMs: roundLatency(summarizeLatency(latencies.subarray(0, responses))),
    ...(window && { window }),
  };
}

function roundLatency(s: LatencySummary | null): LatencySummary | null {
  if (s === null) return null;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { count: s.count, p50: r(s.p50), p90: r(s.p90), p99: r(s.p99), max: r(s.max) };
}
