import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ThrottleAlgorithm } from 'nest-scoped-throttle';
import { DemoProcess, RedisServer, startDemoProcess } from '../../../libs/testkit/src';

/** One row of the experiment: how the demo runs, and where the load goes. */
export interface Setup {
  readonly name: string;
  readonly store: 'memory' | 'redis';
  /** Processes behind one port (node:cluster), or separate replicas on their own ports. */
  readonly layout: 'workers' | 'replicas';
  readonly processes: number;
  /** How the `api_key` scope counts; default `sliding-log` (the demo's own config). */
  readonly algorithm?: ThrottleAlgorithm;
}

/** The article's five setups, with `n` workers or replicas. */
export function articleSetups(n: number): Setup[] {
  return [
    { name: '1 worker + memory', store: 'memory', layout: 'workers', processes: 1 },
    { name: `${n} workers + memory`, store: 'memory', layout: 'workers', processes: n },
    { name: `${n} replicas + memory`, store: 'memory', layout: 'replicas', processes: n },
    { name: `${n} workers + Redis`, store: 'redis', layout: 'workers', processes: n },
    { name: `${n} replicas + Redis`, store: 'redis', layout: 'replicas', processes: n },
  ];
}

/** The article's setups, then the leaky bucket: `n` workers on Redis with `api_key` counted by GCRA at the same rate. */
export function experimentSetups(n: number): Setup[] {
  return [...articleSetups(n), { name: `${n} workers + Redis (gcra)`, store: 'redis', layout: 'workers', processes: n, algorithm: 'gcra' }];
}

/**
 * The demo config of a GCRA setup: the shipped scopes, with `api_key` (still keyed by the query
 * parameter, its rate still set by THROTTLE_RATES) counted by GCRA; the burst is the rate's N.
 */
export function gcraConfig(rate: string): string {
  return ['scopes:', '  hi: 60/minute', '  api_key:', `    rate: ${rate}`, '    key: query:api_key', '    algorithm: gcra', ''].join('\n');
}

/** A started setup: the URLs to load, and how to stop it. */
export interface RunningSetup {
  readonly urls: string[];
  /** Each demo process's boot line. */
  readonly bootLines: string[];
  /** The config file of a GCRA setup (removed on stop). */
  readonly configPath?: string;
  stop(): Promise<void>;
}

/**
 * Starts a setup's demo processes with the given rate (`api_key=1/s`); Redis setups use database
 * `db` of the private server, so setups never see each other's logs. A GCRA setup runs on a config
 * file of its own ({@link gcraConfig}) in a temporary directory, removed on stop.
 */
export async function startSetup(setup: Setup, rates: string, redis: RedisServer | undefined, db: number): Promise<RunningSetup> {
  const env: Record<string, string> = { THROTTLE_RATES: rates, THROTTLE_STORE: setup.store };
  if (setup.store === 'redis') {
    if (!redis) throw new Error(`setup "${setup.name}" needs Redis`);
    env.REDIS_URL = `${redis.url}/${db}`;
  }
  let configDir: string | undefined;
  if (setup.algorithm === 'gcra') {
    configDir = mkdtempSync(join(tmpdir(), 'experiment-gcra-'));
    env.THROTTLE_CONFIG = join(configDir, 'throttle.yaml');
    writeFileSync(env.THROTTLE_CONFIG, gcraConfig(rates.slice(rates.indexOf('=') + 1)));
  }
  const demos: DemoProcess[] = [];
  const stop = async () => {
    await Promise.all(demos.map((d) => d.stop()));
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  };
  try {
    if (setup.layout === 'workers') {
      demos.push(await startDemoProcess({ ...env, WORKERS: String(setup.processes) }));
    } else {
      demos.push(...(await Promise.all(Array.from({ length: setup.processes }, () => startDemoProcess(env)))));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls: demos.map((d) => d.url), bootLines: demos.map((d) => d.bootLine), configPath: env.THROTTLE_CONFIG, stop };
}
