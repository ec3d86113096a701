/**
 * The CLI: parse arguments, run, print the report. Exit codes: 0 the run completed (whatever
 * the statuses), 1 internal failure, 2 bad usage.
 */
import { parseArgs, USAGE, UsageError } from './args';
import { formatReport } from './format';
import { runLoadTest } from './load-test';
import { type ProgressStream, startProgress } from './progress';
import type { LiveCounters } from './runner';

/** Where the CLI writes, and what can stop it; tests pass their own. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  /** The progress bar is drawn here only when `isTTY` is true. */
  readonly stderr: ProgressStream & { readonly isTTY?: boolean };
  /** Aborting it stops the run early (the report covers what was done). */
  readonly stop?: AbortSignal;
}

/** Exit codes. */
export const EXIT = { ok: 0, internal: 1, usage: 2 } as const;

/**
 * Runs the CLI with `argv` (no `node` or script path) and resolves to the exit code.
 *
 * @example await main(['-t', 'http://127.0.0.1:3000/hi', '-n', '100', '-d', '10'])
 */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) return internal(io, error);
    io.stderr.write(`loadtest: ${error.message}\nRun with --help for usage.\n`);
    return EXIT.usage;
  }
  if (parsed.kind === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const options = parsed.options;
  try {
    const live: LiveCounters = { sent: 0, completed: 0, ok: 0, errors: 0 };
    const stopProgress = io.stderr.isTTY === true ? startProgress(io.stderr, options.requests, live) : undefined;
    const { report } = await runLoadTest(options, { live, stop: io.stop }).finally(() => stopProgress?.());
    io.stdout.write(`${options.json ? JSON.stringify(report) : formatReport(report)}\n`);
    return EXIT.ok;
  } catch (error) {
    return internal(io, error);
  }
}

function internal(io: CliIo, error: unknown): number {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`loadtest: internal error: ${text}\n`);
  return EXIT.internal;
}
