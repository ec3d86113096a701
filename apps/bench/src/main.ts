/**
 * `npm run bench` (`node dist/apps/bench/main.js [--quick] [--rounds N] ...`): builds the skeleton app
 * from the packed library (skeleton.ts), starts a private Redis, runs the HTTP scenarios (S1, S2)
 * over their variants, profiles each variant, then the stores alone (S3), the `redis-benchmark`
 * ceiling and the memory cost; prints one markdown report and writes it to
 * bench-results/bench-<date>.md. Progress goes to stderr. Exit code 0 when every step ran and every
 * correctness check passed (targets may be unmet), 1 otherwise, 2 for bad flags.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_USAGE, BenchOptions, BenchUsageError, parseBenchArgs } from './args';
import { installCleanup, killAllSync, runScript, runToEnd, useDistSnapshot } from './children';
import type { MemoryCost } from './memory-cost';
import { PrivateRedis, ScriptCeiling, scriptCeiling, startPrivateRedis } from './redis-admin';
import { ProfileTop, profileScenario } from './profile';
import { renderReport } from './report';
import { BenchData, summarize } from './summary';
import { Log, Probe, RunRecord, runScenario, SCENARIOS } from './runner';
import { buildSkeleton, Skeleton } from './skeleton';
import type { StorageBenchResult } from './storage-bench';
import type { Variant } from './variants';
import { correctness } from './verdicts';
import { generatorName } from './wrk';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** Upper bound on a whole run: every load run plus generous start/stop slack; past it the bench aborts. */
function budgetMs(o: BenchOptions): number {
  const variants = SCENARIOS.reduce((n, s) => n + s.variants.length, 0);
  const perVariant = o.warmupS + o.rounds * o.durationS + o.rounds * 10 + 40 + o.profileS + 30;
  return (variants * perVariant + o.rounds * (8 * (o.storageS + 1) + 60) + 420 + 600) * 1000; // + 600: the skeleton's install
}

function commandLine(argv: readonly string[]): string {
  const args = argv.join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` -- ${args}` : ''}`;
  return `node dist/apps/bench/main.js${args ? ` ${args}` : ''}`;
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Runs a step; a failure is recorded and the bench goes on with the other steps. */
async function step<T>(name: string, failures: string[], log: Log, fn: () => Promise<T>): Promise<T | undefined> {
  log(`== ${name}`);
  try {
    return await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${name}: ${message}`);
    log(`!! ${name} failed: ${message}`);
    return undefined;
  }
}

async function bench(options: BenchOptions, argv: readonly string[], log: Log): Promise<number> {
  const startedAt = new Date();
  const loadAtStart = loadavg()[0];
  const failures: string[] = [];
  const records: RunRecord[] = [];
  const probes = new Map<string, Map<Variant, Probe>>();
  const profiles: ProfileTop[] = [];
  let storage: StorageBenchResult | undefined;
  let ceiling: ScriptCeiling | undefined;
  const skeleton: Skeleton | undefined = await step('the skeleton app, from the packed tarball', failures, log, () => buildSkeleton(log));
  const redis: PrivateRedis = await startPrivateRedis();
  log(`private redis-server ${redis.version} on 127.0.0.1:${redis.port}; load by ${generatorName()}`);
  try {
    for (const scenario of skeleton ? SCENARIOS : []) {
      const ran = await step(`${scenario.id}: ${scenario.title}`, failures, log, () =>
        runScenario(scenario, options, redis, skeleton!, log),
      );
      records.push(...(ran?.records ?? []));
      if (ran) probes.set(scenario.id, ran.probes);
    }
    for (const scenario of skeleton && options.profileS > 0 ? SCENARIOS : []) {
      const { profileS, connections } = options;
      const tops = await step(`${scenario.id}: profiles`, failures, log, () =>
        profileScenario(scenario, profileS, connections, redis, skeleton!, log),
      );
      profiles.push(...(tops ?? []));
    }
    const storageArgs = [
      '--redis-url',
      redis.url,
      '--duration-ms',
      String(options.storageS * 1000),
      '--concurrency',
      String(options.storageConcurrency),
      '--rounds',
      String(options.rounds),
    ];
    storage = await step('S3: the stores alone', failures, log, () =>
      runScript<StorageBenchResult>(
        'storage-bench.js',
        storageArgs,
        'RESULT ',
        (10 * options.rounds * (options.storageS + 1) + 120) * 1000,
        'redis-client',
      ),
    );
    ceiling = await step('S3: redis-benchmark ceiling', failures, log, () =>
      scriptCeiling(redis, options.quick ? 50_000 : 200_000, options.rounds),
    );
    await redis.admin.flushall();
  } finally {
    await redis.stop();
  }
  const memoryCost = await step(
    'memory store cost (memory-cost.ts)',
    failures,
    log,
    async () => JSON.parse(await runToEnd('memory-cost.js', [], ['--expose-gc'], 300_000)) as MemoryCost,
  );
  const data: BenchData = {
    options,
    command: commandLine(argv),
    startedAt,
    tookS: (Date.now() - startedAt.getTime()) / 1000,
    machine: {
      cpus: availableParallelism(),
      model: cpuModel(),
      node: process.version,
      redis: redis.version,
      loadAverage: [loadAtStart, loadavg()[0]],
    },
    generator: generatorName(),
    skeleton,
    scenarios: SCENARIOS,
    records,
    probes,
    profiles,
    storage,
    ceiling,
    memoryCost,
    failures,
  };
  const report = renderReport(data);
  const dir = join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `bench-${startedAt
      .toISOString()
      .replace(/:/g, '-')
      .replace(/\.\d+Z$/, 'Z')}.md`,
  );
  writeFileSync(file, report);
  process.stdout.write(`${report}\n`);
  log(`report written to ${file}`);
  const broken = correctness(data, summarize(records, SCENARIOS)).some((v) => v.ok === false);
  return failures.length > 0 || broken ? 1 : 0;
}

function main(argv: readonly string[]): void {
  let parsed;
  try {
    parsed = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${BENCH_USAGE}\n`);
    process.exit(2);
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return;
  }
  installCleanup();
  useDistSnapshot(ROOT);
  const log: Log = (line) => void process.stderr.write(`${line}\n`);
  const budget = budgetMs(parsed.options);
  const watchdog = setTimeout(() => {
    log(`bench: still running after ${budget / 1000} s: aborting`);
    killAllSync();
    process.exit(1);
  }, budget);
  watchdog.unref();
  bench(parsed.options, argv, log).then(
    (code) => process.exit(code),
    (error: unknown) => {
      log(`bench: ${error instanceof Error ? error.stack : String(error)}`);
      killAllSync();
      process.exit(1);
    },
  );
}

main(process.argv.slice(2));
