import cluster, { Worker } from 'node:cluster';
import { serveClusterMetrics } from './cluster-metrics';
import type { DemoEnv } from './demo-env';
import { WorkerRestarts } from './worker-restarts';

/** How long a graceful stop may take before processes are killed (primary and workers alike). */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The node:cluster primary for WORKERS > 1: forks the workers (they share the port, like
 * gunicorn --workers), prints the boot line once all are up, and on SIGTERM/SIGINT stops them all
 * gracefully. A worker of the first boot that dies before it is ready means a config error every
 * worker would hit: the primary then stops with its message. Any later death (a crash, or a
 * replacement dying before it is ready) is restarted, with back-off in a crash loop ({@link WorkerRestarts}).
 */
export function runPrimary(env: DemoEnv): void {
  const ready = new Map<number, number>(); // worker id → when it became ready
  let stopping = false;
  let announced = false;
  const restarts = new WorkerRestarts(() => performance.now());
  const pendingForks = new Set<NodeJS.Timeout>();

  const fork = (): Worker => {
    const worker = cluster.fork();
    // A worker's ChildProcess emits 'error' when a send or kill fails (a closed IPC channel, EPIPE); unhandled,
    // it would take the primary, and every worker, down. The worker's death is handled on 'exit'.
    worker.on('error', (error) => console.error(`worker ${worker.process.pid}: ${error.message}`));
    worker.on('message', (msg: { type?: string; line?: string }) => {
      if (msg?.type !== 'ready') return;
      ready.set(worker.id, performance.now());
      if (!announced && ready.size >= env.workers) {
        announced = true;
        console.log(msg.line);
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const readyAt = ready.get(worker.id);
    const booted = ready.delete(worker.id);
    const readyForMs = readyAt === undefined ? undefined : performance.now() - readyAt;
    const action = restarts.onExit({ stopping, firstBootDone: announced, booted, readyForMs });
    if (action.kind === 'ignore') {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    if (action.kind === 'stop') {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      process.exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(1);
      return;
    }
    const when = action.delayMs === 0 ? 'now' : `in ${action.delayMs} ms`;
    console.error(
      `worker ${worker.process.pid} died (${signal ?? code})${booted ? '' : ' before it was ready'}; starting a new one ${when}`,
    );
    const timer = setTimeout(() => (pendingForks.delete(timer), fork()), action.delayMs);
    pendingForks.add(timer);
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const timer of pendingForks) clearTimeout(timer);
    pendingForks.clear();
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  serveClusterMetrics();
  for (let i = 0; i < env.workers; i++) fork();
}
