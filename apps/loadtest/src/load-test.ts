/**
 * One load test as a function: run, then report. The CLI (cli.ts) prints what it returns; the
 * experiment and the multi-process tests call it through the public entry (index.ts).
 */
import type { LoadTestOptions } from './args';
import type { Records } from './records';
import { buildReport, type Report } from './report';
import { type RunControl, runLoad } from './runner';

/** Read access to every request of a run, in send order (times in ms from the start). */
export type RunRecords = Pick<Records, 'length' | 'isDone' | 'target' | 'sentAt' | 'doneAt' | 'status' | 'error'>;

/** A finished load test: its report (what `--json` prints) and the records it was built from. */
export interface LoadTestResult {
  readonly report: Report;
  readonly records: RunRecords;
}

/**
 * Runs the load test described by `options` and builds its report. `control` can stop it early
 * (the report covers what was done) and receives live counters as it goes.
 *
 * @example
 * const parsed = parseLoadTestArgs(['-t', 'http://127.0.0.1:3000/hi', '-n', '100', '-d', '10']);
 * if (parsed.kind === 'run') console.log((await runLoadTest(parsed.options)).report.statuses);
 */
export async function runLoadTest(options: LoadTestOptions, control: RunControl = {}): Promise<LoadTestResult> {
  const { records, facts } = await runLoad(options, control);
  return { report: buildReport(options, records, facts), records };
}
