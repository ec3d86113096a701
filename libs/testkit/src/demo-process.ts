/**
 * The built demo (`node dist/apps/demo/main.js`) as a child process: started on a free port with an
 * environment, ready once it prints its boot line, stopped by pid. Used by the multi-process tests
 * and the experiment.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';

/** The repository root (this file lives in libs/testkit/src, or in its dist/ copy). */
export const ROOT = findRoot(__dirname);
export const DEMO_MAIN = join(ROOT, 'dist', 'apps', 'demo', 'main.js');

/** The line the demo prints once it serves (see apps/demo: one boot line). */
const BOOT_LINE_PREFIX = 'demo listening on';
/** After SIGTERM, how long the demo may take to shut down before it is SIGKILLed. */
const STOP_GRACE_MS = 15_000;

/** A running demo. */
export interface DemoProcess {
  port: number;
  url: string;
  proc: ChildProcess;
  bootLine: string;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output: () => string;
  /** SIGTERM (SIGKILL after 15 s); resolves with its exit code. */
  stop: () => Promise<number | null>;
}

/** Fails with a clear message when the demo has not been built (`npm test` builds first). */
export function requireBuiltDemo(): void {
  if (!existsSync(DEMO_MAIN)) throw new Error(`${DEMO_MAIN} is missing: run "npm run build" first (npm test does)`);
}

/**
 * Starts the built demo on a free port (or `env.PORT`) with the given environment and resolves once
 * it prints its boot line; rejects with its output if it exits or takes over `timeoutMs`.
 *
 * @example
 * const demo = await startDemoProcess({ THROTTLE_RATES: 'hi=3/m' });
 * afterAll(() => demo.stop());
 */
export async function startDemoProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<DemoProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const { proc, output, exited } = spawnDemo({ ...env, PORT: String(port) });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const bootLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`demo did not boot within ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const check = () => {
      const line = output()
        .split('\n')
        .find((l) => l.startsWith(BOOT_LINE_PREFIX));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code} before booting:\n${output()}`));
    });
  });
  return { port, url: `http://127.0.0.1:${port}`, proc, bootLine, output, stop };
}

/**
 * Runs the demo expecting it to refuse to boot; resolves with its exit code and output.
 *
 * @example
 * const { code, output } = await runDemoExpectingFailure({ THROTTLE_RATES: 'hi=100/month' });
 */
export async function runDemoExpectingFailure(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  const { proc, output, exited } = spawnDemo({ PORT: '0', ...env });
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), proc.kill('SIGKILL')), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`demo did not exit within ${timeoutMs} ms:\n${output()}`);
  return { code, output: output() };
}

/** Spawns the built demo on 127.0.0.1 with only PATH and `env`; collects its output. */
function spawnDemo(env: Record<string, string>): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  requireBuiltDemo();
  const proc = spawn(process.execPath, [DEMO_MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

function findRoot(dir: string): string {
  let at = dir;
  while (!existsSync(join(at, 'package.json')) || !existsSync(join(at, 'tsconfig.build.json'))) {
    const up = join(at, '..');
    if (up === at) throw new Error(`cannot find the repository root above ${dir}`);
    at = up;
  }
  return at;
}
