/**
 * Command-line parsing for the load-test CLI. Pure: argv in, options (or a usage error) out.
 */
import { parseRate } from 'nest-scoped-throttle';

type Rate = ReturnType<typeof parseRate>;

/** Bounds on the numeric flags, so every run is bounded in time and memory. */
export const LIMITS = {
  maxRequests: 10_000_000,
  maxDurationS: 86_400,
  maxConcurrency: 10_000,
  maxTimeoutMs: 600_000,
  maxTargets: 1_000,
} as const;

/** Everything a run needs, validated. */
export interface LoadTestOptions {
  /** Targets, in the order given; request i goes to `targets[i % targets.length]`. */
  readonly targets: readonly URL[];
  /** Total number of requests (`-n`). */
  readonly requests: number;
  /** `-d` in milliseconds: the pacing span (paced mode) or a cap on sending (flood mode). */
  readonly durationMs: number | undefined;
  /** `--flood`: closed loop, as fast as possible with `concurrency` in flight. */
  readonly flood: boolean;
  /** `-c`: requests in flight (flood) or the connection cap per origin (paced). */
  readonly concurrency: number;
  /** `--timeout`: per-request timeout in milliseconds. */
  readonly timeoutMs: number;
  /** `--rate`: the limit to check 2xx admissions against, as typed and parsed. */
  readonly rate: { readonly text: string; readonly parsed: Rate } | undefined;
  /** `--json`: one JSON object on stdout instead of the text report. */
  readonly json: boolean;
  /** `--no-keepalive`: a new connection per request (spreads load over node:cluster workers like many clients). */
  readonly keepAlive: boolean;
}

/** The result of parsing: a run, or a request for the usage text. */
export type ParsedArgs = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: LoadTestOptions };

/** Thrown for bad flags or values; the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Defaults (ddosify's -n 100 -d 10; autocannon's 10 connections for a flood). */
export const DEFAULTS = {
  requests: 100,
  durationS: 10,
  floodConcurrency: 10,
  pacedConnections: 100,
  timeoutMs: 5_000,
} as const;

/** The `--help` text. */
export const USAGE = `Usage: npm run loadtest -- -t URL [options]
       node dist/apps/loadtest/main.js -t URL [options]

Sends -n GET requests to one or more targets and prints a status-code table,
latency percentiles, the achieved rate and, with --rate, the largest number of
2xx admissions seen in any window of that rate's period.

Options:
  -t, --target URL      http(s) URL; repeat the flag or give a comma list.
                        Requests go round-robin over the targets.
  -n, --requests N      total requests (default ${DEFAULTS.requests}; 1..${LIMITS.maxRequests})
  -d, --duration S      seconds (decimals allowed). Paced mode: request i is sent
                        at i*S/N seconds, whether or not earlier ones answered
                        (default ${DEFAULTS.durationS}). Flood mode: stop sending after S.
      --flood           closed loop: as fast as possible, -c requests in flight
  -c, --concurrency N   flood: requests in flight (default ${DEFAULTS.floodConcurrency});
                        paced: max connections per origin (default ${DEFAULTS.pacedConnections})
      --rate N/PERIOD   check 2xx admissions against a rate: 1/s, 60/minute,
                        100/15m, 5/10s (periods s, m, h, d). 2xx responses count
                        as one window's only if the last arrived less than one
                        period after the first was sent (jitter never inflates it)
      --timeout MS      per-request timeout in ms (default ${DEFAULTS.timeoutMs}); counted as "timeout"
      --json            print one JSON object instead of the text report
      --no-keepalive    a new connection per request, as many separate clients
                        would open (spreads load over node:cluster workers)
  -h, --help            print this help

The run stops by itself at its hard deadline (duration + timeout + 1 s) and
reports what it has. Exit code: 0 run completed (whatever the statuses),
1 internal failure, 2 bad usage.

Example: npm run loadtest -- -t 'http://127.0.0.1:3000/?api_key=K' -n 100 -d 10 --rate 1/s`;

type Flag = 'target' | 'requests' | 'duration' | 'concurrency' | 'rate' | 'timeout' | 'flood' | 'json' | 'noKeepAlive' | 'help';

const FLAGS: Readonly<Record<string, Flag>> = {
  '-t': 'target',
  '--target': 'target',
  '-n': 'requests',
  '--requests': 'requests',
  '-d': 'duration',
  '--duration': 'duration',
  '-c': 'concurrency',
  '--concurrency': 'concurrency',
  '--rate': 'rate',
  '--timeout': 'timeout',
  '--flood': 'flood',
  '--json': 'json',
  '--no-keepalive': 'noKeepAlive',
  '-h': 'help',
  '--help': 'help',
};
const BOOLEAN: ReadonlySet<Flag> = new Set<Flag>(['flood', 'json', 'noKeepAlive', 'help']);

/**
 * Parses the CLI arguments (without `node` and the script path).
 *
 * @throws UsageError on an unknown flag, a missing or bad value, or a bad URL.
 * @example parseArgs(['-t', 'http://127.0.0.1:3000/hi', '-n', '100', '-d', '10'])
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<Flag, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = FLAGS[name];
    if (flag === undefined) {
      throw new UsageError(arg.startsWith('-') ? `unknown option "${name}"` : `unexpected argument "${arg}" (targets go after -t)`);
    }
    let value: string;
    if (BOOLEAN.has(flag)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      value = 'true';
    } else if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      value = argv[++i];
    }
    values.set(flag, [...(values.get(flag) ?? []), value]);
  }
  if (values.has('help')) return { kind: 'help' };

  for (const [flag, list] of values) {
    if (flag !== 'target' && list.length > 1) throw new UsageError(`--${flag} given more than once`);
  }
  const one = (flag: Flag): string | undefined => values.get(flag)?.[0];

  const targets = (values.get('target') ?? []).flatMap((v) => v.split(',')).map((s) => s.trim());
  if (targets.length === 0) throw new UsageError('no target: give at least one -t URL');
  if (targets.length > LIMITS.maxTargets) throw new UsageError(`at most ${LIMITS.maxTargets} targets, got ${targets.length}`);
  const flood = values.has('flood');
  const durationText = one('duration');
  const concurrencyText = one('concurrency');
  const timeoutText = one('timeout');
  const rateText = one('rate');

  return {
    kind: 'run',
    options: {
      targets: targets.map(parseTarget),
      requests: parseInteger('-n', one('requests'), DEFAULTS.requests, 1, LIMITS.maxRequests),
      durationMs: durationText === undefined ? (flood ? undefined : DEFAULTS.durationS * 1_000) : parseDurationS(durationText) * 1_000,
      flood,
      concurrency: parseInteger(
        '-c',
        concurrencyText,
        flood ? DEFAULTS.floodConcurrency : DEFAULTS.pacedConnections,
        1,
        LIMITS.maxConcurrency,
      ),
      timeoutMs: parseInteger('--timeout', timeoutText, DEFAULTS.timeoutMs, 1, LIMITS.maxTimeoutMs),
      rate: rateText === undefined ? undefined : { text: rateText, parsed: parseRateFlag(rateText) },
      json: values.has('json'),
      keepAlive: !values.has('noKeepAlive'),
    },
  };
}

/** Parses one target; only absolute http: and https: URLs are accepted. */
export function parseTarget(text: string): URL {
  if (text === '') throw new UsageError('empty target in -t (check for a stray comma)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`bad target "${text}": not a URL (expected e.g. http://127.0.0.1:3000/hi)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`bad target "${text}": protocol must be http: or https:, got ${url.protocol}`);
  }
  if (url.hostname === '') throw new UsageError(`bad target "${text}": no host`);
  return url;
}

function parseInteger(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\s*\d+\s*$/.test(text)) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${flag} must be from ${min} to ${max}, got ${value}`);
  return value;
}

function parseDurationS(text: string): number {
  const value = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`-d must be a number of seconds above 0, got "${text}"`);
  if (value > LIMITS.maxDurationS) throw new UsageError(`-d must be at most ${LIMITS.maxDurationS} seconds, got ${value}`);
  return value;
}

function parseRateFlag(text: string): Rate {
  try {
    return parseRate(text);
  } catch (error) {
    throw new UsageError(`bad --rate "${text}": ${error instanceof Error ? error.message : String(error)}`);
  }
}
