import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './redis-server';

/** The repository root (this file lives in apps/experiment/src/processes, or in its dist/ copy). */
export const ROOT = findRoot(__dirname);
export const DEMO_MAIN = join(ROOT, 'dist', 'apps', 'demo', 'main.js');

export interface DemoProcess {
  port: number;
  url: string;
  proc: ChildProcess;
  bootLine: string;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** Fails with a clear message when the demo has not been built (`npm test` builds first). */
export function requireBuiltDemo(): void {
  if (!existsSync(DEMO_MAIN)) throw new Error(`${DEMO_MAIN} is missing: run "npm run build" first (npm test does)`);
}

/**
 * Starts the built demo (`node dist/apps/demo/main.js`) on a free port with the given environment and
 * resolves once it prints its boot line; rejects with its output if it exits or takes over `timeoutMs`.
 */
export async function startDemoProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<DemoProcess> {
  requireBuiltDemo();
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const proc = spawn(process.execPath, [DEMO_MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const bootLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`demo did not boot within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const line = out.split('\n').find((l) => l.startsWith('demo listening on'));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code} before booting:\n${out}`));
    });
  });
  return { port, url: `http://127.0.0.1:${port}`, proc, bootLine, output: () => out, stop };
}

/** Runs the demo expecting it to refuse to boot; resolves with its exit code and output. */
export function runDemoExpectingFailure(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  requireBuiltDemo();
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [DEMO_MAIN], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`demo did not exit within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: out });
    });
  });
}

function findRoot(dir: string): string {
  let at = dir;
  while (!existsSync(join(at, 'package.json')) || existsSync(join(at, 'tsconfig.build.json')) === false) {
    const up = join(at, '..');
    if (up === at) throw new Error(`cannot find the repository root above ${dir}`);
    at = up;
  }
  return at;
}
