import { DemoProcess, RedisServer, startDemoProcess } from '../../../libs/testkit/src';

/** One row of the experiment: how the demo runs, and where the load goes. */
export interface Setup {
  readonly name: string;
  readonly store: 'memory' | 'redis';
  /** Processes behind one port (node:cluster), or separate replicas on their own ports. */
  readonly layout: 'workers' | 'replicas';
  readonly processes: number;
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

/** A started setup: the URLs to load, and how to stop it. */
export interface RunningSetup {
  readonly urls: string[];
  stop(): Promise<void>;
}

/**
 * Starts a setup's demo processes with the given rate (`api_key=1/s`); Redis setups use database
 * `db` of the private server, so setups never see each other's logs.
 */
export async function startSetup(setup: Setup, rates: string, redis: RedisServer | undefined, db: number): Promise<RunningSetup> {
  const env: Record<string, string> = { THROTTLE_RATES: rates, THROTTLE_STORE: setup.store };
  if (setup.store === 'redis') {
    if (!redis) throw new Error(`setup "${setup.name}" needs Redis`);
    env.REDIS_URL = `${redis.url}/${db}`;
  }
  const demos: DemoProcess[] = [];
  const stop = async () => {
    await Promise.all(demos.map((d) => d.stop()));
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
  return { urls: demos.map((d) => d.url), stop };
}
