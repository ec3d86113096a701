/**
 * The load tester's public entry, for callers other than its CLI (the experiment, the multi-process
 * tests): parse CLI-style arguments into options, run, get the report. Named exports only.
 */
export { parseArgs as parseLoadTestArgs, type LoadTestOptions, type ParsedArgs, UsageError, USAGE } from './args';
export { type LoadTestResult, type RunRecords, runLoadTest } from './load-test';
export type { Report, RunFacts, StopReason, Summary, WindowCheck } from './report';
export type { LiveCounters, RunControl } from './runner';
