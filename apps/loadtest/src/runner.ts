/**
 * The request engine: open-loop pacing or a closed-loop flood over undici pools, with a
 * per-request timeout and a hard deadline. It records outcomes; report.ts does the maths.
 */
import { performance } from 'node:perf_hooks';
import type { LoadTestOptions } from './args';
import { type Flight, FlightQueue } from './flights';
import { classify, createPools } from './pools';
import { Records } from './records';
import type { RunFacts, StopReason } from './report';
import { dueCount, hardDeadlineMs, sendOffsetMs, targetIndex } from './schedule';

/** Live counters, updated as the run goes (read by the progress bar). */
export interface LiveCounters {
  sent: number;
  completed: number;
  ok: number;
  errors: number;
}

/** Optional hooks: a signal that stops the run early (Ctrl-C) and live counters to update. */
export interface RunControl {
  readonly stop?: AbortSignal;
  readonly live?: LiveCounters;
}

/** What a run produces. */
export interface RunResult {
  readonly records: Records;
  readonly facts: RunFacts;
}

/** Bodies are read and discarded up to this size (bigger ones close their connection). */
const BODY_LIMIT = 16 * 1024 * 1024;
/** Paced mode fires at most this many due requests per timer turn, so responses get processed. */
const BATCH = 512;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs the load test described by `options`. Resolves when every request sent has an outcome
 * (at the latest at the hard deadline, when what is still in flight is recorded as `aborted`).
 * Paced runs last at least `-d`: the schedule spans the whole duration.
 */
export async function runLoad(options: LoadTestOptions, control: RunControl = {}): Promise<RunResult> {
  const { requests: n, timeoutMs, concurrency, flood, durationMs } = options;
  const live = control.live ?? { sent: 0, completed: 0, ok: 0, errors: 0 };
  const { poolOf, pathOf, close } = createPools(options.targets, concurrency, timeoutMs, options.keepAlive);
  const records = new Records(n);
  let next = 0;
  let inFlight = 0;
  let sendingOver = false;
  let stoppedBy: StopReason | null = null;
  let maxSendLagMs = 0;
  let paceTimer: NodeJS.Timeout | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const flights = new FlightQueue(now);

  const maybeFinish = (): void => {
    if (sendingOver && inFlight === 0) finish();
  };

  const settle = (f: Flight, status: number, error: unknown): void => {
    if (f.settled) return;
    f.settled = true;
    const at = now();
    if (status > 0) {
      records.respond(f.index, at, status);
      if (status >= 200 && status < 300) live.ok++;
    } else {
      records.fail(f.index, at, classify(error, f.reason));
      live.errors++;
    }
    inFlight--;
    live.completed++;
    if (flood) launch();
    else maybeFinish();
  };

  const fire = (i: number): void => {
    const t = targetIndex(i, poolOf.length);
    const sentAt = now();
    if (!flood && durationMs !== undefined) maxSendLagMs = Math.max(maxSendLagMs, sentAt - sendOffsetMs(i, n, durationMs));
    const ctrl = new AbortController();
    const f: Flight = { index: records.add(t, sentAt), ctrl, deadline: sentAt + timeoutMs, settled: false, reason: null };
    flights.add(f);
    inFlight++;
    live.sent++;
    poolOf[t]
      .request({ method: 'GET', path: pathOf[t], signal: ctrl.signal })
      .then(async (res) => {
        await res.body.dump({ limit: BODY_LIMIT, signal: ctrl.signal });
        return res.statusCode;
      })
      .then(
        (status) => settle(f, status, undefined),
        (error: unknown) => settle(f, 0, error),
      );
  };

  /** Flood: keep `concurrency` in flight until all are sent or sending stops. */
  const launch = (): void => {
    while (!sendingOver && inFlight < concurrency && next < n) fire(next++);
    if (next >= n) sendingOver = true;
    maybeFinish();
  };

  /** Paced: send every request that is due, then sleep until the next one is. */
  const pace = (): void => {
    if (sendingOver || durationMs === undefined) return;
    const due = Math.min(dueCount(now(), n, durationMs), next + BATCH);
    while (next < due) fire(next++);
    if (next < n) {
      paceTimer = setTimeout(pace, Math.max(0, Math.ceil(sendOffsetMs(next, n, durationMs) - now())));
      return;
    }
    paceTimer = setTimeout(
      () => {
        sendingOver = true;
        maybeFinish();
      },
      Math.max(0, Math.ceil(durationMs - now())),
    );
  };

  const stopSending = (reason: StopReason): void => {
    if (sendingOver) return;
    sendingOver = true;
    if (next < n) stoppedBy = reason;
    clearTimeout(paceTimer);
  };

  /** Stops everything now: unsent requests stay unsent, in-flight ones are recorded as `aborted`. */
  const abortAll = (reason: StopReason): void => {
    stopSending(reason);
    if (stoppedBy === null && inFlight > 0) stoppedBy = reason;
    for (const f of flights.unsettled()) {
      f.reason = 'aborted';
      f.ctrl.abort();
      settle(f, 0, undefined); // do not wait for undici: the deadline is hard
    }
    finish();
  };

  const deadline = hardDeadlineMs(options);
  const deadlineTimer = deadline <= MAX_TIMER_MS ? setTimeout(() => abortAll('deadline'), deadline) : undefined;
  const capTimer =
    flood && durationMs !== undefined
      ? setTimeout(() => {
          stopSending('duration');
          maybeFinish();
        }, durationMs)
      : undefined;
  const onStop = (): void => abortAll('interrupted');
  control.stop?.addEventListener('abort', onStop, { once: true });

  let elapsedMs: number;
  try {
    if (control.stop?.aborted) onStop();
    else if (flood) launch();
    else pace();
    await finished;
  } finally {
    elapsedMs = now();
    clearTimeout(deadlineTimer);
    clearTimeout(capTimer);
    clearTimeout(paceTimer);
    flights.close();
    control.stop?.removeEventListener('abort', onStop);
    await close();
  }
  return { records, facts: { elapsedMs, stoppedBy, maxSendLagMs: flood ? null : maxSendLagMs } };
}
