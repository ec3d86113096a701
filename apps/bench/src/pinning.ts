/**
 * CPU pinning of the bench's processes: servers on core 0, the load generator and Redis on core 1,
 * so they stop trading places on the same core (`taskset`, util-linux). Degrades to no pinning, said
 * so in the report, where `taskset` is missing or the machine has fewer than two cores
 * (`apt-get install -y util-linux` provides it).
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** Who runs where: a `redis-client` (S3, redis-benchmark) takes the servers' core, away from Redis. */
export type PinRole = 'server' | 'generator' | 'redis' | 'redis-client';

const CORE_OF: Record<PinRole, string> = { server: '0', generator: '1', redis: '1', 'redis-client': '0' };

let available: boolean | undefined;

/** Whether processes are pinned: `taskset` runs and there are at least two cores. */
export function pinningAvailable(): boolean {
  if (available === undefined) {
    available = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
  }
  return available;
}

/** What the report says about pinning. */
export function pinningNote(): string {
  return pinningAvailable()
    ? 'servers pinned to core 0, load generator and Redis to core 1 (`taskset -c`)'
    : 'no CPU pinning (`taskset` missing or fewer than 2 cores): every process floats over every core';
}

/**
 * The command and arguments that run `command args` on `role`'s core (`taskset` execs it: same pid).
 *
 * @example
 * const [cmd, argv] = pinned('server', process.execPath, ['server.js']); // ['taskset', ['-c', '0', '/usr/bin/node', 'server.js']]
 */
export function pinned(role: PinRole, command: string, args: readonly string[]): [string, string[]] {
  return pinningAvailable() ? ['taskset', ['-c', CORE_OF[role], command, ...args]] : [command, [...args]];
}
