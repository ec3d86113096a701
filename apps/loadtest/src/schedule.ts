/**
 * The pacing schedule and the run's time bounds. Pure functions of n, d and the timeout:
 * no clock, no timers, so they are tested deterministically.
 */

/** Slack added to the hard deadline for the event loop and socket teardown. */
export const DEADLINE_MARGIN_MS = 1_000;

/**
 * When request `i` (0-based) of `n` is due, in ms from the start: `i * durationMs / n`.
 * Request 0 is due at once and the last one a step before `durationMs`.
 */
export function sendOffsetMs(i: number, n: number, durationMs: number): number {
  return (i * durationMs) / n;
}

/**
 * How many requests are due by `elapsedMs` from the start: the number of `i` in `[0, n)` with
 * `sendOffsetMs(i, n, durationMs) <= elapsedMs`. Agrees exactly with {@link sendOffsetMs}
 * (no float drift between "is it due" and "when is it due").
 */
export function dueCount(elapsedMs: number, n: number, durationMs: number): number {
  if (!(elapsedMs >= 0)) return 0;
  let k = Math.min(n - 1, Math.floor((elapsedMs * n) / durationMs));
  while (k + 1 < n && sendOffsetMs(k + 1, n, durationMs) <= elapsedMs) k++;
  while (k >= 0 && sendOffsetMs(k, n, durationMs) > elapsedMs) k--;
  return k + 1;
}

/** The target index for request `i` with `targetCount` targets: round-robin. */
export function targetIndex(i: number, targetCount: number): number {
  return i % targetCount;
}

/** What bounds a run in time. */
export interface RunBounds {
  readonly requests: number;
  readonly durationMs: number | undefined;
  readonly flood: boolean;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/**
 * The hard deadline in ms from the start, after which the run aborts what is in flight and
 * reports. With a duration: `duration + timeout + margin` (the last request is sent by the
 * duration and answered or timed out within the timeout). A flood with no duration:
 * `ceil(n / c) * timeout + margin`, the worst case where every request takes the full timeout.
 */
export function hardDeadlineMs(bounds: RunBounds): number {
  if (bounds.durationMs !== undefined) return bounds.durationMs + bounds.timeoutMs + DEADLINE_MARGIN_MS;
  return Math.ceil(bounds.requests / bounds.concurrency) * bounds.timeoutMs + DEADLINE_MARGIN_MS;
}
