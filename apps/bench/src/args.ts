/**
 * Command-line flags of `npm run bench`. Pure: argv in, options (or a usage error) out.
 * Every flag is bounded, so every run is bounded in time.
 */

/** What one bench run does, validated. */
export interface BenchOptions {
  /** Measured rounds per HTTP scenario; each round runs every variant once, in order. */
  readonly rounds: number;
  /** Seconds of load per measured run. */
  readonly durationS: number;
  /** Seconds of unmeasured load before each variant's first measured run. */
  readonly warmupS: number;
  /** Concurrent HTTP connections of the load generator. */
  readonly connections: number;
  /** Seconds of the profiled run per variant and scenario (`node --cpu-prof`); 0 skips the profiles. */
  readonly profileS: number;
  /** Seconds per storage measurement (S3). */
  readonly storageS: number;
  /** Decisions in flight in the async storage measurements (S3). */
  readonly storageConcurrency: number;
  /** `--quick`: a short smoke run. */
  readonly quick: boolean;
}

/** The result of parsing: a run, or a request for the usage text. */
export type ParsedBenchArgs = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: BenchOptions };

/** Thrown for bad flags; main prints it with the usage and exits with code 2. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** The defaults of a full run, and of `--quick`. */
export const BENCH_DEFAULTS: BenchOptions = {
  rounds: 3,
  durationS: 5,
  warmupS: 10,
  connections: 64,
  profileS: 4,
  storageS: 3,
  storageConcurrency: 128,
  quick: false,
};
const QUICK: BenchOptions = {
  rounds: 1,
  durationS: 2,
  warmupS: 1,
  connections: 64,
  profileS: 2,
  storageS: 1,
  storageConcurrency: 128,
  quick: true,
};

const FLAGS: Record<string, { key: keyof BenchOptions; min: number; max: number }> = {
  '--rounds': { key: 'rounds', min: 1, max: 20 },
  '--duration': { key: 'durationS', min: 1, max: 120 },
  '--warmup': { key: 'warmupS', min: 0, max: 120 },
  '--connections': { key: 'connections', min: 1, max: 1_000 },
  '--profile-duration': { key: 'profileS', min: 0, max: 60 },
  '--storage-duration': { key: 'storageS', min: 1, max: 60 },
  '--storage-concurrency': { key: 'storageConcurrency', min: 1, max: 4_096 },
};

/** The `--help` text. */
export const BENCH_USAGE = `Usage: npm run bench -- [options]

Builds the skeleton app (Nest 11 + Fastify, one route) from the packed library tarball and benchmarks
our limiter (memory, Redis) against the contract's floors (guard5, hook5, guard429, hook429: its
headers or its 429 without a limiter), an empty guard and @nestjs/throttler (memory, Redis) over HTTP
(S1: 10 000 keys under their limits; S2: one key flooding at 10/minute) with wrk (autocannon if wrk
is missing), profiles each variant (top 15 self-time functions), then the stores alone (S3), and
writes bench-results/bench-<date>.md. Docs: docs/benchmarks.md.

Options:
  --rounds N               measured rounds per scenario (default ${BENCH_DEFAULTS.rounds}; 1..20)
  --duration S             seconds per measured run (default ${BENCH_DEFAULTS.durationS}; 1..120)
  --warmup S               seconds of warm-up before each variant's first run (default ${BENCH_DEFAULTS.warmupS})
  --connections N          HTTP connections (default ${BENCH_DEFAULTS.connections}; 1..1000)
  --profile-duration S     seconds of the profiled run per variant (default ${BENCH_DEFAULTS.profileS}; 0 skips profiles)
  --storage-duration S     seconds per store measurement in S3 (default ${BENCH_DEFAULTS.storageS})
  --storage-concurrency N  decisions in flight in S3 (default ${BENCH_DEFAULTS.storageConcurrency})
  --quick                  smoke run: 1 round of 2 s, 1 s warm-up, 2 s profiles, 1 s per store (other flags still apply)
  -h, --help               print this help`;

/**
 * Parses the bench flags (`--flag N` or `--flag=N`).
 *
 * @example
 * parseBenchArgs(['--quick', '--connections', '20']); // { kind: 'run', options: { rounds: 1, connections: 20, ... } }
 */
export function parseBenchArgs(argv: readonly string[]): ParsedBenchArgs {
  const tokens = argv.flatMap((arg) => (arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg]));
  if (tokens.includes('-h') || tokens.includes('--help')) return { kind: 'help' };
  const options: Record<string, number | boolean> = { ...(tokens.includes('--quick') ? QUICK : BENCH_DEFAULTS) };
  for (let i = 0; i < tokens.length; i++) {
    const flag = tokens[i];
    if (flag === '--quick') continue;
    const spec = FLAGS[flag];
    if (spec === undefined) throw new BenchUsageError(`unknown option ${JSON.stringify(flag)}`);
    const text = tokens[++i];
    const value = Number(text);
    if (text === undefined || !Number.isFinite(value) || value < spec.min || value > spec.max) {
      throw new BenchUsageError(`${flag} needs a number from ${spec.min} to ${spec.max}, got ${JSON.stringify(text ?? '')}`);
    }
    const seconds = spec.key === 'durationS' || spec.key === 'warmupS' || spec.key === 'storageS' || spec.key === 'profileS';
    options[spec.key] = seconds ? value : Math.round(value);
  }
  return { kind: 'run', options: options as unknown as BenchOptions };
}

/** Reads `--name value` from a child script's argv (the bench passes them; no validation needed). */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at === -1 ? undefined : argv[at + 1];
}
