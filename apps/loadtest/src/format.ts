/**
 * Renders a report as text: a ddosify-style status-code table, latency percentiles, the
 * achieved rate and the `--rate` window check.
 */
import { STATUS_CODES } from 'node:http';
import type { Report, Summary, WindowCheck } from './report';

/** `200 (OK)`, `429 (Too Many Requests)`; a code node does not know gets no reason. */
export function statusLabel(code: number | string): string {
  const reason = STATUS_CODES[code];
  return reason === undefined ? String(code) : `${code} (${reason})`;
}

/**
 * The status-code table: one line per HTTP status (ascending), then one per error class,
 * labels padded so the counts line up: `200 (OK)                :10`.
 */
export function formatStatusTable(summary: Pick<Summary, 'statuses' | 'errors'>, indent = '  ', header = false): string[] {
  const rows: Array<[string, number | string]> = [
    ...Object.entries(summary.statuses).map(([code, count]): [string, number] => [statusLabel(code), count]),
    ...Object.entries(summary.errors),
  ];
  if (rows.length === 0) return [`${indent}(no requests completed)`];
  if (header) rows.unshift(['Status code (reason)', 'count']);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, count]) => `${indent}${label.padEnd(width)} :${count}`);
}

/** A window length in its largest whole unit: `1s`, `10s`, `1m`, `15m`, `1h`, `1d`, `1.5s`. */
export function formatWindow(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms / 1_000}s`;
}

/** `max admitted in any 1s window: 1 (rate allows 1)`, flagged when over the limit. */
export function formatWindowCheck(w: WindowCheck): string {
  const over = w.maxAdmitted > w.limit ? '  OVER THE LIMIT' : '';
  return `max admitted in any ${formatWindow(w.windowMs)} window: ${w.maxAdmitted} (rate allows ${w.limit})${over}`;
}

/** `p50 1.2  p90 3.4  p99 5.6  max 7.8 ms (90 responses)` */
export function formatLatency(summary: Pick<Summary, 'latencyMs'>): string {
  const l = summary.latencyMs;
  if (l === null) return 'latency: no responses';
  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
  return `latency ms: p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  max ${ms(l.max)}  (${l.count} responses)`;
}

/** The whole text report, lines joined with `\n` (no trailing newline). */
export function formatReport(r: Report): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const how =
    r.mode === 'paced'
      ? `paced over ${r.durationS} s (${r.targetRequestsPerSecond} req/s)`
      : `flood, ${r.concurrency} in flight${r.durationS === null ? '' : `, at most ${r.durationS} s`}`;
  const lines = [
    `Load test: ${plural(r.requests, 'request')} to ${plural(r.targets.length, 'target')}, ${how}, timeout ${r.timeoutMs} ms`,
    ...r.targets.map((t) => `  ${t}`),
    '',
    ...formatStatusTable(r, '  ', true),
    '',
    formatLatency(r),
    `sent ${r.sent}, completed ${r.completed} in ${(r.elapsedMs / 1_000).toFixed(2)} s: ${r.requestsPerSecond} req/s` +
      (r.maxSendLagMs === null ? '' : ` (max send lag ${r.maxSendLagMs} ms)`),
  ];
  if (r.stoppedBy !== null) {
    const why = {
      deadline: 'the hard deadline was reached; requests still in flight were aborted',
      duration: 'sending stopped when -d elapsed',
      interrupted: 'interrupted; requests still in flight were aborted',
    };
    lines.push(`stopped: ${why[r.stoppedBy]} (${r.notSent} of ${r.requests} not sent)`);
  }
  if (r.window) lines.push(formatWindowCheck(r.window));
  if (r.perTarget) {
    lines.push('', 'Per target:');
    for (const t of r.perTarget) {
      lines.push(
        `  ${t.target}  (${plural(t.completed, 'completed request')})`,
        ...formatStatusTable(t, '    '),
        `    ${formatLatency(t)}`,
      );
      if (t.window) lines.push(`    ${formatWindowCheck(t.window)}`);
    }
  }
  return lines.join('\n');
}
