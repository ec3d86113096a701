/**
 * Pure statistics over a run: percentiles and the largest number of admissions in a window.
 */

/**
 * Nearest-rank percentile of values sorted ascending: the smallest value such that at least
 * `p` percent of the values are <= it. `p` in (0, 100]; NaN for an empty list.
 *
 * @example percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Latency percentiles in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Summarises latencies (any order; the array is sorted in place). Null when there are none. */
export function summarizeLatency(values: Float64Array): LatencySummary | null {
  if (values.length === 0) return null;
  values.sort();
  return {
    count: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values[values.length - 1],
  };
}

/**
 * The largest number of events in any half-open window `(t - windowMs, t]`, given event times
 * sorted ascending. This is the sliding-log rule: an event is admitted iff fewer than `limit`
 * were admitted in the trailing window, so events exactly `windowMs` apart are not counted
 * together. Two pointers, O(n).
 */
export function maxInWindow(sortedTimes: ArrayLike<number>, windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sortedTimes.length; hi++) {
    while (sortedTimes[lo] <= sortedTimes[hi] - windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/**
 * The largest set of events that certainly happened within one window, when each event is only
 * known to lie somewhere in `[starts[k], ends[k]]` (for an admission: between the request's
 * send and its response's arrival; the server decided at some instant in between).
 *
 * A set certainly fits in a half-open window of `windowMs` iff
 * `max(ends) - min(starts) < windowMs`. So the answer is the max over anchors `i` of
 * `#{k : starts[k] >= starts[i] and ends[k] < starts[i] + windowMs}`. Network jitter can never
 * inflate it: a result above a rate's limit proves the server admitted too many. It may
 * under-count by the requests whose latency straddles a window edge.
 *
 * `starts` must be sorted ascending; `ends[k] >= starts[k]`. O(n log n): anchors are swept from
 * the latest start down while a Fenwick tree over the ranks of `ends` counts those inserted.
 */
export function maxCertainlyInWindow(starts: Float64Array, ends: Float64Array, windowMs: number): number {
  const n = starts.length;
  if (n === 0) return 0;
  const sortedEnds = Float64Array.from(ends).sort();
  const tree = new Int32Array(n + 1);
  let best = 0;
  for (let i = n - 1; i >= 0; i--) {
    // Insert event i at the rank of its end (1-based position in sortedEnds).
    for (let r = lowerBound(sortedEnds, ends[i]) + 1; r <= n; r += r & -r) tree[r]++;
    // Ties on start: only the first of equal starts is a full anchor; the others count a subset.
    if (i > 0 && starts[i - 1] === starts[i]) continue;
    let count = 0;
    for (let r = lowerBound(sortedEnds, starts[i] + windowMs); r > 0; r -= r & -r) count += tree[r];
    best = Math.max(best, count);
  }
  return best;
}

/** Index of the first element of `sorted` that is >= `value` (sorted.length if none). */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
