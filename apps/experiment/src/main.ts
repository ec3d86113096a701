/**
 * `npm run experiment`: the DRF article's experiment on loopback. For each setup (1 worker + memory,
 * N workers + memory, N replicas + memory, N workers + Redis, N replicas + Redis, and N workers + Redis
 * with the scope counted by GCRA) it starts the demo, sends 100 requests evenly over 10 s to
 * /?api_key=1234 at rate api_key=1/s (a new connection per request, as a fleet of clients would), and
 * prints admitted / refused / expected (the reference model of the row's algorithm). Exits 1 when a
 * Redis row is not exactly what the rate allows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRate } from 'nest-scoped-throttle';
import { requireBuiltDemo, StartedRedis, startRedis } from '../../../libs/testkit/src';
import { parseLoadTestArgs, runLoadTest } from '../../loadtest/src';
import { admissionsChart, Timeline } from './chart';
import { expectedAdmissions } from './expected';
import { experimentSetups, Setup, startSetup } from './setups';
import { markdownTable, Row, textTable } from './table';

interface ExperimentOptions {
  requests: number;
  durationS: number;
  processes: number;
  rate: string;
  out?: string;
}

const USAGE = `Usage: npm run experiment -- [-n 100] [-d 10] [--processes 6] [--rate 1/s] [--out DIR]`;

function parse(argv: string[]): ExperimentOptions {
  const opts: ExperimentOptions = { requests: 100, durationS: 10, processes: 6, rate: '1/s' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    const num = Number(value);
    if (flag === '-n' && Number.isInteger(num) && num > 0 && num <= 100_000) opts.requests = num;
    else if (flag === '-d' && num > 0 && num <= 600) opts.durationS = num;
    else if (flag === '--processes' && Number.isInteger(num) && num >= 2 && num <= 32) opts.processes = num;
    else if (flag === '--rate' && value) opts.rate = value;
    else if (flag === '--out' && value) opts.out = value;
    else throw new Error(`bad argument ${flag} ${value ?? ''}\n${USAGE}`);
  }
  parseRate(opts.rate);
  return opts;
}

async function runSetup(setup: Setup, opts: ExperimentOptions, redis: StartedRedis, db: number) {
  const running = await startSetup(setup, `api_key=${opts.rate}`, redis, db);
  try {
    const targets = running.urls.map((u) => `${u}/?api_key=1234`).join(',');
    const parsed = parseLoadTestArgs([
      '-t',
      targets,
      '-n',
      String(opts.requests),
      '-d',
      String(opts.durationS),
      '--rate',
      opts.rate,
      '--no-keepalive',
    ]);
    if (parsed.kind !== 'run') throw new Error('unexpected load-test arguments');
    const { report, records } = await runLoadTest(parsed.options);
    const admittedAtMs: number[] = [];
    for (let i = 0; i < records.length; i++) {
      const status = records.status(i);
      if (status !== undefined && status >= 200 && status < 300) admittedAtMs.push(records.sentAt(i));
    }
    return { report, timeline: { name: setup.name, admittedAtMs } satisfies Timeline };
  } finally {
    await running.stop();
  }
}

async function main(): Promise<number> {
  const opts = parse(process.argv.slice(2));
  requireBuiltDemo();
  const { limit, windowMs } = parseRate(opts.rate);
  const expected = expectedAdmissions(opts.requests, opts.durationS * 1000, limit, windowMs);
  const redis = await startRedis();
  const rows: Row[] = [];
  const timelines: Timeline[] = [];
  try {
    let db = 0;
    for (const setup of experimentSetups(opts.processes)) {
      process.stderr.write(`running: ${setup.name} ...\n`);
      const { report, timeline } = await runSetup(setup, opts, redis, ++db);
      const admitted = timeline.admittedAtMs.length;
      const refused = report.statuses['429'] ?? 0;
      rows.push({
        setup: setup.name,
        store: setup.store,
        admitted,
        refused,
        other: report.completed - admitted - refused,
        notSent: report.notSent,
        expected: expectedAdmissions(opts.requests, opts.durationS * 1000, limit, windowMs, setup.algorithm),
        maxInWindow: report.window?.maxAdmitted ?? 0,
      });
      timelines.push(timeline);
    }
  } finally {
    await redis.cleanup();
  }
  const title = `${opts.requests} requests over ${opts.durationS} s to /?api_key=1234, rate api_key=${opts.rate}`;
  console.log(`\n${title}\n\n${textTable(rows)}`);
  if (opts.out) {
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, 'experiment.md'), `# ${title}\n\n${markdownTable(rows)}\n\n![admissions over time](admissions.svg)\n`);
    writeFileSync(join(opts.out, 'admissions.svg'), admissionsChart(timelines, opts.durationS * 1000, expected));
    console.log(`\nwrote ${join(opts.out, 'experiment.md')} and ${join(opts.out, 'admissions.svg')}`);
  }
  const wrong = rows.filter((r) => r.store === 'redis' && (r.admitted !== r.expected || r.other > 0 || r.notSent > 0));
  for (const r of wrong) console.error(`FAIL: ${r.setup} admitted ${r.admitted}, expected exactly ${r.expected}`);
  return wrong.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
