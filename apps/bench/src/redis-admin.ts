/**
 * The bench's private Redis: the testkit's redis-server (free port, never 6379, no persistence,
 * stopped by pid) run under the bench's guardian; its counters (script calls, script time, process
 * CPU) around each measured run; and the ceiling of our Lua script measured by `redis-benchmark`.
 */
import { Redis } from 'ioredis';
// The bench measures the library's own script: internals, imported from its source.
import { type RedisLauncher, startRedis } from '../../../libs/testkit/src';
import { DECIDE_SCRIPT, DECIDE_SHA } from '../../../libs/throttle/src/redis/decide.script';
import { spawnCommand } from './children';
import { median } from './stats';

/** A running private redis-server and an admin connection to it. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly version: string;
  readonly admin: Redis;
  stop(): Promise<void>;
}

/**
 * Starts the testkit's private redis-server (`--save '' --appendonly no`, a free 127.0.0.1 port)
 * under the bench's guardian, so it dies with the bench even if the bench is SIGKILLed.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const server = await startRedis({ launch: launchGuarded });
  const admin = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    const version = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
    return {
      port: server.port,
      url: server.url,
      version,
      admin,
      stop: async () => {
        admin.disconnect();
        await server.cleanup();
      },
    };
  } catch (error) {
    admin.disconnect();
    await server.cleanup();
    throw error;
  }
}

/** Runs redis-server under the guardian; its output (it logs to a file) is drained so it never blocks. */
const launchGuarded: RedisLauncher = (command, args) => {
  const child = spawnCommand(command, args, 'redis');
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
};

/** Redis's counters at one moment (script calls and time since the last reset; CPU since start). */
export interface RedisCounters {
  /** Calls of EVAL/EVALSHA (and their _ro forms). */
  readonly scriptCalls: number;
  /** Microseconds spent inside those calls (Redis's `usec`, includes the commands they run). */
  readonly scriptUsec: number;
  /** ZADD calls (scripts' included): one per admission and key, however many requests a script call carries. */
  readonly zaddCalls: number;
  /** Process CPU, user + system, in microseconds. */
  readonly cpuUs: number;
}

/** Resets command statistics (CONFIG RESETSTAT) and returns the counters right after. */
export async function resetCounters(admin: Redis): Promise<RedisCounters> {
  await admin.config('RESETSTAT');
  return readCounters(admin);
}

/** Reads the counters from `INFO commandstats` and `INFO cpu`. */
export async function readCounters(admin: Redis): Promise<RedisCounters> {
  const [stats, cpu] = await Promise.all([admin.info('commandstats'), admin.info('cpu')]);
  let scriptCalls = 0;
  let scriptUsec = 0;
  const zaddCalls = Number(/^cmdstat_zadd:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
  for (const match of stats.matchAll(/^cmdstat_(eval|evalsha|eval_ro|evalsha_ro):calls=(\d+),usec=(\d+)/gm)) {
    scriptCalls += Number(match[2]);
    scriptUsec += Number(match[3]);
  }
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return { scriptCalls, scriptUsec, zaddCalls, cpuUs: (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6 };
}

/** What happened in Redis between two readings. */
export function counterDelta(before: RedisCounters, after: RedisCounters): RedisCounters {
  return {
    scriptCalls: after.scriptCalls - before.scriptCalls,
    scriptUsec: after.scriptUsec - before.scriptUsec,
    zaddCalls: after.zaddCalls - before.zaddCalls,
    cpuUs: after.cpuUs - before.cpuUs,
  };
}

/** The `redis-benchmark` ceiling of our script. */
export interface ScriptCeiling {
  /** Median over the runs. */
  readonly decisionsPerS: number;
  readonly roundsPerS: number[];
  readonly command: string;
}

/**
 * Loads our sliding-log script (SCRIPT LOAD; its SHA must be the store's) and runs it `rounds` times
 * under `redis-benchmark -P 16` over 10 000 random keys, each call as the store makes it: one key,
 * now from Redis TIME (ARGV[1] ''), a unique-enough suffix, no TTL slack, record; a sliding log of limit
 * 1 000 000 per 60 s, cost 1 (burst, ignored by a sliding log, is sent as the store sends it: the limit).
 */
export async function scriptCeiling(redis: PrivateRedis, requests: number, rounds: number): Promise<ScriptCeiling> {
  const sha = String(await redis.admin.script('LOAD', DECIDE_SCRIPT));
  if (sha !== DECIDE_SHA) throw new Error(`SCRIPT LOAD gave ${sha}, the store sends ${DECIDE_SHA}`);
  const call = [
    'EVALSHA',
    sha,
    '1',
    'throttle:hi:{__rand_int__}',
    '',
    'bench:__rand_int__',
    '0',
    '1',
    '1000000',
    '60000',
    'sliding-log',
    '1',
    '1000000',
  ];
  const args = [
    '-h',
    '127.0.0.1',
    '-p',
    String(redis.port),
    '-n',
    String(requests),
    '-c',
    '50',
    '-P',
    '16',
    '-r',
    '10000',
    '--csv',
    ...call,
  ];
  const roundsPerS: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await redis.admin.flushall();
    roundsPerS.push(await redisBenchmark(args));
  }
  await redis.admin.flushall();
  const shown = args.map((a) => (a === '' ? "''" : /[{}:_]/.test(a) ? `'${a}'` : a));
  return { decisionsPerS: median(roundsPerS), roundsPerS, command: `redis-benchmark ${shown.join(' ')}` };
}

/** One redis-benchmark run (killed after 120 s); its requests per second. */
async function redisBenchmark(args: readonly string[]): Promise<number> {
  const child = spawnCommand('redis-benchmark', args, 'redis-client');
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  child.stderr?.resume();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('redis-benchmark: no result after 120 s'))), 120_000);
    child.once('error', (error) => (clearTimeout(timer), reject(error)));
    child.once('exit', (code) => (clearTimeout(timer), code === 0 ? resolve() : reject(new Error(`redis-benchmark exited ${code}`))));
  });
  const row = out
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('"EVALSHA'))
    .pop();
  const perS = Number(row?.split('","')[1]?.replace(/"/g, ''));
  if (!Number.isFinite(perS)) throw new Error(`redis-benchmark: unexpected output: ${out.slice(-300)}`);
  return perS;
}
