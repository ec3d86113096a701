import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * Private `redis-server` processes on free ports (never 6379), stopped by pid: used by the
 * experiment, the benchmark and the integration tests. Every process started here is killed when
 * this process exits.
 */

const started = new Set<ChildProcess>();
process.once('exit', () => started.forEach((child) => child.kill('SIGKILL')));

/** A port that is free now, and whose cluster bus port (port + 10000) is free too. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (port > 55_000 || port === 6379) continue;
    if ((await listenOnce(port + 10_000).catch(() => 0)) !== 0) return port;
  }
  throw new Error('no free port pair found');
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** One private redis-server. */
export class RedisServer {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly extraArgs: string[] = [],
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
    args.push('--dir', this.dir, '--logfile', join(this.dir, `redis-${this.port}.log`), ...this.extraArgs);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    let exited = false;
    started.add(child);
    child.once('exit', () => ((exited = true), started.delete(child)));
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

/**
 * Starts one redis-server on a free port.
 *
 * @example
 * const server = await startRedis();
 * afterAll(() => server.stop());
 */
export async function startRedis(extraArgs: string[] = []): Promise<RedisServer & { cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'throttle-redis-'));
  let server = new RedisServer(await freePort(), dir, extraArgs);
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      break;
    } catch (error) {
      if (attempt === 3) throw error; // the free port was taken between probe and start: try another
      server = new RedisServer(await freePort(), dir, extraArgs);
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

/** Polls `check` every 50 ms until it is true; fails after `timeoutMs` with what it waited for. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await Promise.resolve()
      .then(check)
      .catch((error) => {
        if (error instanceof FatalWait) throw error;
        return false;
      });
    if (done) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Thrown by a `waitFor` check to stop waiting at once. */
export class FatalWait extends Error {}
