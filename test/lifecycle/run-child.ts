import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The child script: boots and closes the module, prints what it left behind (see lifecycle-child.js). */
const CHILD = join(__dirname, 'lifecycle-child.js');

/** Throws unless the package is built (the child requires `nest-scoped-throttle` from its dist, as an app does). */
export function requireBuiltPackage(): void {
  const main = join(__dirname, '..', '..', 'libs', 'throttle', 'dist', 'index.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first (npm test does)`);
}

/** What the child measures of itself (see lifecycle-child.js `snapshot`). */
export interface Snapshot {
  /** `process.getActiveResourcesInfo()`, counted by kind. */
  readonly handles: Record<string, number>;
  readonly heapBytes: number;
  readonly processListeners: number;
  readonly clientListeners?: number;
  readonly storeListeners?: number;
  readonly registryMetrics?: number;
}

/** A churn run's report. */
export interface ChurnReport {
  readonly before: Snapshot;
  readonly after: Snapshot;
  readonly cycleMs: number;
  readonly warnings: string[];
  readonly stderr: string;
}

/** An exit run's report: how long after `app.close()` resolved the process exited by itself. */
export interface ExitReport {
  readonly exitMs: number;
  readonly handlesAtClose: string[];
  readonly warnings: string[];
  readonly stderr: string;
}

/** How the child reaches its store: the topology and its addresses. */
export type ChildSpec = Record<string, unknown> & { topology: string };

/**
 * Runs a churn child (`cycles` boots and closes); calls `whileAlive` after its report, before letting
 * it end (to count its Redis connections), and resolves once it has exited.
 */
export async function runChurn(spec: ChildSpec, cycles: number, whileAlive: () => Promise<void>): Promise<ChurnReport> {
  const child = start({ ...spec, mode: 'churn', cycles });
  const line = await child.firstLine;
  try {
    await whileAlive();
  } finally {
    child.process.stdin?.end('done\n');
  }
  const stderr = await child.exited;
  return { ...(JSON.parse(line) as Omit<ChurnReport, 'stderr'>), stderr };
}

/** Runs an exit child (one boot and close, then nothing); rejects if it has not exited within `limitMs`. */
export async function runExit(spec: ChildSpec, limitMs = 10_000): Promise<ExitReport> {
  const child = start({ ...spec, mode: 'exit' });
  const timer = setTimeout(() => child.process.kill('SIGKILL'), limitMs);
  try {
    const stderr = await child.exited;
    return { ...(JSON.parse(await child.firstLine) as Omit<ExitReport, 'stderr'>), stderr };
  } finally {
    clearTimeout(timer);
  }
}

function start(spec: Record<string, unknown>) {
  const child = spawn(process.execPath, ['--expose-gc', CHILD, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (data: Buffer) => (err += data.toString()));
  const exited = new Promise<string>((resolve, reject) =>
    child.once('close', (code, signal) =>
      code === 0 ? resolve(err) : reject(new Error(`lifecycle child (${spec.topology}) exited with ${signal ?? code}:\n${err}`)),
    ),
  );
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    exited.then(() => reject(new Error(`lifecycle child (${spec.topology}) printed no report`)), reject);
  });
  firstLine.catch(() => undefined);
  return { process: child, firstLine, exited };
}
