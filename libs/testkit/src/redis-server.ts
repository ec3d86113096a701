/**
 * Private `redis-server` processes on free ports (never 6379), stopped by pid: used by the
 * integration tests, the experiment and the benchmark. Every process started with the default
 * launcher is killed when this process exits; a custom launcher (the bench's guardian) owns the
 * lifetime of what it starts.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port';
import { FatalWait, waitFor } from './wait-for';

/** Starts the `redis-server` command with its arguments and returns the child to stop by pid. */
export type RedisLauncher = (command: 'redis-server', args: readonly string[]) => ChildProcess;

/** How to run one private redis-server. */
export interface RedisServerOptions {
  /** Extra `redis-server` arguments (e.g. `--cluster-enabled yes`). */
  readonly args?: readonly string[];
  /** How to start the process; by default directly, killed when this process exits. */
  readonly launch?: RedisLauncher;
}

const started = new Set<ChildProcess>();
process.once('exit', () => started.forEach((child) => child.kill('SIGKILL')));

const launchDirectly: RedisLauncher = (command, args) => {
  const child = spawn(command, args, { stdio: 'ignore' });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
};

/** True when `redis-server` can be run (it is on PATH). */
export function isRedisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** One private redis-server, without persistence, its files (log, cluster config) in `dir`. */
export class RedisServer {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly options: RedisServerOptions = {},
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts) the process on its port and waits until it answers PING. */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', this.dir, '--logfile', join(this.dir, `redis-${this.port}.log`), ...(this.options.args ?? []));
    const child = (this.options.launch ?? launchDirectly)('redis-server', args);
    let exited = false;
    child.once('exit', () => (exited = true));
    this.child = child;
    await waitFor(`redis-server on port ${this.port} to answer PING`, async () => {
      if (exited) throw new FatalWait(`redis-server on port ${this.port} exited at start (see ${this.dir})`);
      return (await ping(this.port)) === 'PONG';
    });
  }

  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 2_000): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGCONT'); // in case a test froze it
    child.kill(graceMs === 0 ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: connections stay open, nothing answers. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(signal);
  }

  /** Kills the process at once (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    await this.stop(0);
  }
}

/** A started {@link RedisServer} that also removes its temporary directory. */
export type StartedRedis = RedisServer & { cleanup(): Promise<void> };

/**
 * Starts one redis-server on a free port, in a fresh temporary directory.
 *
 * @example
 * const server = await startRedis();
 * afterAll(() => server.cleanup());
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<StartedRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'throttle-redis-'));
  let server = new RedisServer(await freePort(), dir, options);
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      break;
    } catch (error) {
      await server.stop(0);
      if (attempt === 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      server = new RedisServer(await freePort(), dir, options); // the port was taken between probe and start
    }
  }
  return Object.assign(server, {
    cleanup: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** One command on a throwaway connection (no retries); rejects if the server does not answer. */
export async function command(port: number, ...args: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0], ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

/** PING over a plain socket ('PONG', or undefined when nothing answers); leaves no client behind. */
function ping(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (answer: string | undefined) => (socket.destroy(), resolve(answer));
    socket.setTimeout(1_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG') ? 'PONG' : undefined));
  });
}
