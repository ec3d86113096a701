/**
 * A one-line progress bar on a TTY stream (the CLI only starts it when stderr is a TTY).
 */
import type { LiveCounters } from './runner';

/** The stream the bar is drawn on. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly columns?: number;
}

/**
 * Renders one progress line (no carriage return): bar, done/total, percent, outcomes, time.
 *
 * @example renderProgress({ sent: 60, completed: 50, ok: 10, errors: 0 }, 100, 2_000, 40)
 */
export function renderProgress(live: LiveCounters, total: number, elapsedMs: number, barWidth: number): string {
  const fraction = total > 0 ? Math.min(1, live.completed / total) : 1;
  const filled = Math.round(fraction * barWidth);
  const bar = '#'.repeat(filled) + '.'.repeat(barWidth - filled);
  const other = live.completed - live.ok - live.errors;
  return (
    `[${bar}] ${live.completed}/${total} ${Math.floor(fraction * 100)}%` +
    `  2xx ${live.ok}  other ${other}  errors ${live.errors}  in flight ${live.sent - live.completed}` +
    `  ${(elapsedMs / 1_000).toFixed(1)}s`
  );
}

/** Starts redrawing the bar every 100 ms; returns a function that stops and erases it. */
export function startProgress(stream: ProgressStream, total: number, live: LiveCounters): () => void {
  const start = Date.now();
  const draw = () => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 75));
    stream.write(`\r${renderProgress(live, total, Date.now() - start, width)}\x1b[K`);
  };
  draw();
  const timer = setInterval(draw, 100);
  timer.unref();
  return () => {
    clearInterval(timer);
    stream.write('\r\x1b[K');
  };
}
