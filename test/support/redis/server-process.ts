import { ChildProcess, spawn } from 'node:child_process';
import { FatalWait, waitFor } from '../../../libs/testkit/src';

/**
 * A `redis-server` started with arguments of its own (a config file, `--sentinel`, a TLS-only port):
 * what {@link RedisServer} cannot start, since it listens on a plain port and waits for a plain PING.
 * Readiness is the caller's check; the process is stopped by pid, and killed if this process exits.
 */

const started = new Set<ChildProcess>();
process.once('exit', () => started.forEach((child) => child.kill('SIGKILL')));

export class RedisProcess {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly args: string[],
    private readonly what: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until `ready` is true (or fails at once if the process exits). */
  async start(ready: () => Promise<boolean>): Promise<void> {
    const child = spawn('redis-server', this.args, { stdio: 'ignore' });
    let exited = false;
    started.add(child);
    child.once('exit', () => ((exited = true), started.delete(child)));
    this.child = child;
    await waitFor(`${this.what} on port ${this.port} to be ready`, async () => {
      if (exited) throw new FatalWait(`${this.what} on port ${this.port} exited at start`);
      return ready();
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs` (0: SIGKILL at once); resolves once it has exited. */
  async stop(graceMs = 2_000): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(graceMs === 0 ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
