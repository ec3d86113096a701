/**
 * Every process the bench starts goes through here, so none outlives it: node children get an IPC
 * channel (they exit when it closes, even if the bench is SIGKILLed) and all children are killed by
 * pid on exit, SIGINT, SIGTERM and uncaught errors.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { PinRole, pinned } from './pinning';

/** Running children, and the signal that ends each at once: guardians get SIGTERM (they pass it on; a SIGKILLed guardian would orphan its command). */
const live = new Map<ChildProcess, NodeJS.Signals>();
let cleanupInstalled = false;

/** Where child scripts are started from: `dist/apps/bench/src`, or its copy in the snapshot. */
let scriptDir = __dirname;

/**
 * Copies `dist/` to `<root>/bench-results/.snapshot-<pid>/dist` (git-ignored; removed on exit) and
 * starts every child from there, so a rebuild during a long run (`npm test` wipes `dist/`) cannot
 * break it and every run measures the same build. `node_modules` still resolves from the root.
 */
export function useDistSnapshot(root: string): void {
  const dist = join(root, 'dist');
  const results = join(root, 'bench-results');
  removeStaleSnapshots(results);
  const snapshot = join(results, `.snapshot-${process.pid}`);
  cpSync(dist, join(snapshot, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts') });
  process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
  scriptDir = join(snapshot, 'dist', relative(dist, __dirname));
}

/** Removes snapshots left by benches that were SIGKILLed (their pid no longer runs). */
function removeStaleSnapshots(results: string): void {
  let names: string[];
  try {
    names = readdirSync(results);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^\.snapshot-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || isRunning(pid)) continue;
    rmSync(join(results, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills every child still running (synchronous: safe inside an `exit` handler). */
export function killAllSync(): void {
  for (const [child, signal] of live) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, signal);
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

/** Kills all children on exit, SIGINT/SIGTERM (exit 130/143) and uncaught errors (exit 1). */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllSync);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping ${live.size} child process(es)\n`);
      killAllSync();
      process.exit(code);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? error}\n`);
    killAllSync();
    process.exit(1);
  });
}

/**
 * Starts a tracked child: `node <dist/apps/bench/src>/<script> ...args` (or an absolute script path) with an IPC channel.
 *
 * @example
 * const server = spawnNode('server.js', ['--variant', 'memory']);
 */
export function spawnNode(script: string, args: readonly string[], nodeArgs: readonly string[] = [], role?: PinRole): ChildProcess {
  const argv = [...nodeArgs, isAbsolute(script) ? script : join(scriptDir, script), ...args];
  const [command, commandArgs] = role === undefined ? [process.execPath, argv] : pinned(role, process.execPath, argv);
  return track(spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }), 'SIGKILL');
}

/** A tiny node guardian: runs a command, forwards SIGTERM/SIGINT to it, SIGKILLs it when the bench goes away. */
const GUARDIAN = `// guardian of a dist/apps/bench child
const child = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' });
const kill = (signal) => { try { process.kill(child.pid, signal); } catch {} };
process.on('SIGTERM', () => kill('SIGTERM'));
process.on('SIGINT', () => kill('SIGTERM'));
process.on('disconnect', () => { kill('SIGKILL'); process.exit(1); });
child.on('error', (error) => { console.error(error.message); process.exit(127); });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
`;

/**
 * Starts a tracked command that is not a node script (redis-server, redis-benchmark) under a node
 * guardian with an IPC channel, so it dies with the bench even if the bench is SIGKILLed.
 */
export function spawnCommand(command: string, args: readonly string[], role?: PinRole): ChildProcess {
  const [cmd, cmdArgs] = role === undefined ? [command, [...args]] : pinned(role, command, args);
  return track(spawn(process.execPath, ['-e', GUARDIAN, cmd, ...cmdArgs], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }), 'SIGTERM');
}

function track(child: ChildProcess, killSignal: NodeJS.Signals): ChildProcess {
  live.set(child, killSignal);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/**
 * Resolves with the rest of the first stdout line that starts with `prefix`; rejects if the child
 * exits first or `timeoutMs` passes (then the child is killed), quoting the end of its stderr.
 */
export function waitForLine(child: ChildProcess, prefix: string, timeoutMs: number, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (why: string) => {
      cleanup();
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
      reject(new Error(`${name}: ${why}${err.trim() ? `\n${err.trim().split('\n').slice(-15).join('\n')}` : ''}`));
    };
    const onOut = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith(prefix));
      if (line !== undefined && out.includes('\n', out.indexOf(line))) {
        cleanup();
        resolve(line.slice(prefix.length).trim());
      }
    };
    const onErr = (chunk: Buffer) => void (err = (err + chunk.toString()).slice(-8_000));
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${signal ?? code}) before printing ${prefix.trim()}`);
    const onError = (error: Error) => fail(error.message);
    const timer = setTimeout(() => fail(`no ${prefix.trim()} after ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onOut);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** Runs a bench script to completion and parses the JSON it prints after `prefix`. */
export async function runScript<T>(script: string, args: readonly string[], prefix: string, timeoutMs: number, role?: PinRole): Promise<T> {
  const child = spawnNode(script, args, [], role);
  const line = await waitForLine(child, prefix, timeoutMs, script);
  await stopChild(child, 5_000);
  return JSON.parse(line) as T;
}

/** Runs a bench script to its end (killed after `timeoutMs`) and returns its whole stdout; rejects on a non-zero exit. */
export function runToEnd(script: string, args: readonly string[], nodeArgs: readonly string[], timeoutMs: number): Promise<string> {
  const child = spawnNode(script, args, nodeArgs);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (err = (err + chunk.toString()).slice(-4_000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => (clearTimeout(timer), reject(error)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${script} exited (${signal ?? code})${err.trim() ? `: ${err.trim()}` : ''}`));
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The entry of a measuring child process: runs `work`, prints `RESULT <json>` for the parent
 * (see {@link runScript}) and exits; exits at once if the parent goes away.
 *
 * @example
 * if (require.main === module) runAsChild(() => runLoad(JSON.parse(process.argv[2])));
 */
export function runAsChild<T>(work: () => Promise<T>): void {
  process.once('disconnect', () => process.exit(0));
  work().then(
    (result) => {
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.stack : String(error));
      process.exit(1);
    },
  );
}
