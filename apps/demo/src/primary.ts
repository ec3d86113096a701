import cluster, { Worker } from 'node:cluster';
import { serveClusterMetrics } from './cluster-metrics';
import type { DemoEnv } from './demo-env';

/** How long a graceful stop may take before processes are killed (primary and workers alike). */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The node:cluster primary for WORKERS > 1: forks the workers (they share the port, like
 * gunicorn --workers), prints the boot line once all are up, restarts a worker that dies after
 * booting, and on SIGTERM/SIGINT stops them all gracefully. A worker that dies before it ever
 * booted means a config error every worker would hit: the primary then stops with its message.
 */
export function runPrimary(env: DemoEnv): void {
  const ready = new Set<number>();
  let stopping = false;
  let announced = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    // A worker's ChildProcess emits 'error' when a send or kill fails (a closed IPC channel, EPIPE); unhandled,
    // it would take the primary, and every worker, down. The worker's death is handled on 'exit'.
    worker.on('error', (error) => console.error(`worker ${worker.process.pid}: ${error.message}`));
    worker.on('message', (msg: { type?: string; line?: string }) => {
      if (msg?.type !== 'ready') return;
      ready.add(worker.id);
      if (!announced && ready.size >= env.workers) {
        announced = true;
        console.log(msg.line);
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const booted = ready.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    if (!booted) {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      process.exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(1);
      return;
    }
    console.error(`worker ${worker.process.pid} died (${signal ?? code}); starting a new one`);
    fork();
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
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
