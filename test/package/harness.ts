/**
 * Harness of the package test: packs libs/throttle as npm would publish it, installs the tarball into a
 * throwaway app outside the repository, compiles and starts that app, and stops it by pid. Every failing
 * step throws an error that names the step and carries the tail of its output.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ROOT as REPO_ROOT } from '../../libs/testkit/src/demo-process';

/** The repository root (found from this file, so the bench's compiled copy in dist/ finds it too). */
export const ROOT = REPO_ROOT;
const LIBRARY = join(ROOT, 'libs', 'throttle');
/** The repository's TypeScript compiler. */
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const FIXTURES = join(__dirname, 'fixtures');

const INSTALL_TIMEOUT_MS = 240_000;
const COMPILE_TIMEOUT_MS = 120_000;
const BOOT_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/** The last `lines` lines of some output, each behind `| ` (so jest does not read `at ...` lines as our stack). */
export function tail(output: string, lines = 30): string {
  return output
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `    | ${line}`)
    .join('\n');
}

/** An error whose stack is its message: the harness frames say nothing, the step's output says it all. */
function stepError(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

/**
 * The environment for child processes: ours without the `npm_*` variables `npm test` sets (an inherited
 * `npm_config_local_prefix` would point a child `npm install` back at this repository).
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name) && name !== 'INIT_CWD') env[name] = value;
  }
  return env;
}

interface Finished {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion within `timeoutMs`; throws with its output tail unless it exits 0.
 * `pathFirst` is put before `PATH` (the package matrix runs a fixture's scripts on another Node that way).
 */
export function run(step: string, command: string, args: string[], cwd: string, timeoutMs: number, pathFirst?: string): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const env = childEnv();
    if (pathFirst) env.PATH = `${pathFirst}${delimiter}${env.PATH ?? ''}`;
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(stepError(`${step} could not start ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise({ stdout, stderr });
      const how = signal === 'SIGKILL' ? `was killed after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      reject(stepError(`${step} ${how} (in ${cwd}):\n${tail(`${stdout}\n${stderr}`)}`));
    });
  });
}

export interface Tarball {
  path: string;
  /** Paths inside the tarball, without tar's `package/` prefix, sorted. */
  files: string[];
  size: number;
  unpackedSize: number;
}

/** `npm pack ./libs/throttle` into `destination`, then lists the tarball with `tar -tzf`. */
export async function packLibrary(destination: string): Promise<Tarball> {
  if (!existsSync(join(LIBRARY, 'dist', 'index.js'))) {
    throw stepError(`${join(LIBRARY, 'dist')} is missing: run "npm run build" first (npm test and npm run test:package do)`);
  }
  const packed = await run('npm pack', 'npm', ['pack', './libs/throttle', '--pack-destination', destination, '--json'], ROOT, 60_000);
  const [info] = JSON.parse(packed.stdout) as { filename: string; size: number; unpackedSize: number }[];
  const path = join(destination, info.filename);
  const listed = await run('tar -tzf', 'tar', ['-tzf', path], destination, 30_000);
  const files = listed.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''))
    .sort();
  return { path, files, size: info.size, unpackedSize: info.unpackedSize };
}

/** Copies fixture `name` to `<parent>/<name>` and installs its dependencies plus the tarball there. */
export async function installFixture(name: string, parent: string, tarballPath: string): Promise<string> {
  const dir = join(parent, name);
  cpSync(join(FIXTURES, name), dir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$/.test(src) });
  const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarballPath];
  await run(`${name}: npm install`, 'npm', args, dir, INSTALL_TIMEOUT_MS);
  return dir;
}

/** Compiles the app with the repository's TypeScript, against the installed package's typings. */
export async function compileFixture(name: string, dir: string): Promise<void> {
  await run(`${name}: tsc`, process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], dir, COMPILE_TIMEOUT_MS);
}

export interface RunningApp {
  name: string;
  url: string;
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts `node dist/main.js` in `dir` (on `node`, this process's binary unless given) and resolves once it prints `listening on <url>`; rejects with its
 * output tail if it exits first or prints nothing within the boot timeout (and then stops it).
 */
export function startFixture(name: string, dir: string, node = process.execPath): Promise<RunningApp> {
  const child = spawn(node, [join(dir, 'dist', 'main.js')], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = () => stopChild(child, exited);
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(() => reject(stepError(`${name}: node dist/main.js ${why}:\n${tail(output)}`)));
    };
    const timer = setTimeout(() => fail(`printed no "listening on" line within ${BOOT_TIMEOUT_MS} ms`), BOOT_TIMEOUT_MS);
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal} before listening`));
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.stdout!.on('data', () => {
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (!url || settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise({ name, url, pid: child.pid!, output: () => output, stop });
    });
  });
}

/** SIGTERM by pid, then SIGKILL if the process has not exited within the grace period. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(
    () => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 'SIGKILL'),
    STOP_GRACE_MS,
  );
  await exited;
  clearTimeout(timer);
}
