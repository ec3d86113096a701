/**
 * `npm run bench:shed`: load shedding by priority, measured. Starts the bench app
 * (`shed-server.ts`) as a child process, finds its capacity on `/bulk` (closed loop, shedding off),
 * then offers 1x, 2x and 3x that rate of `/bulk` (low priority, CPU-bound) as open-loop arrivals while a
 * steady 20 req/s of `/critical` (priority critical) runs beside them; reports the critical route's
 * p50/p99 and the bulk requests served and shed (503), with shedding on and, for comparison, off.
 * A benchmark, not a test: figures vary with the machine (and anything else running on it).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'undici';
import { flagValue } from './args';

const CRITICAL_RPS = 20;
const RUN_MS = 4_000;
const TICK_MS = 10;

interface Server {
  url: string;
  stop: () => void;
}

function startServer(shed: boolean, bulkCpuMs: number): Promise<Server> {
  const args = ['--bulk-cpu-ms', String(bulkCpuMs), ...(shed ? [] : ['--no-shed'])];
  const child = fork(join(__dirname, 'shed-server.js'), args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line) resolve({ url: `http://127.0.0.1:${JSON.parse(line.slice(6)).port}`, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`shed-server exited with ${code}`)));
  });
}

async function get(pool: Pool, path: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await pool.request({ method: 'GET', path });
  await res.body.dump();
  return { status: res.statusCode, ms: performance.now() - started };
}

/** Closed loop on /bulk with `connections` clients for `ms`: requests served per second. */
async function capacity(url: string, connections: number, ms: number): Promise<number> {
  const pool = new Pool(url, { connections });
  const until = performance.now() + ms;
  let served = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) if ((await get(pool, '/bulk')).status === 200) served++;
    }),
  );
  await pool.close();
  return (served * 1000) / ms;
}

/** Open-loop arrivals: `bulkRps` of /bulk and CRITICAL_RPS of /critical for RUN_MS. */
async function overload(url: string, bulkRps: number) {
  const pool = new Pool(url, { connections: 512 });
  const critical: number[] = [];
  const bulk: Record<number, number> = {};
  const pending: Promise<unknown>[] = [];
  let bulkSent = 0;
  let criticalSent = 0;
  const started = performance.now();
  for (let elapsed = 0; elapsed < RUN_MS; elapsed = performance.now() - started) {
    // Arrivals follow the clock, not the ticks: a late timer sends what fell due meanwhile.
    for (; bulkSent < (bulkRps * elapsed) / 1000; bulkSent++)
      pending.push(get(pool, '/bulk').then((r) => (bulk[r.status] = (bulk[r.status] ?? 0) + 1)));
    for (; criticalSent < (CRITICAL_RPS * elapsed) / 1000; criticalSent++)
      pending.push(get(pool, '/critical').then((r) => r.status === 200 && critical.push(r.ms)));
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  await pool.close();
  critical.sort((a, b) => a - b);
  const at = (q: number) => critical[Math.min(critical.length - 1, Math.floor(q * critical.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), criticalServed: critical.length, served: bulk[200] ?? 0, shed: bulk[503] ?? 0 };
}

async function main(argv: readonly string[]): Promise<void> {
  const bulkCpuMs = Number(flagValue(argv, '--bulk-cpu-ms') ?? 2);
  const calibration = await startServer(false, bulkCpuMs);
  const cap = await capacity(calibration.url, 16, 2_000);
  calibration.stop();
  console.log(
    `bench:shed: /bulk burns ${bulkCpuMs} ms of CPU; capacity ${cap.toFixed(0)} req/s (closed loop, shedding off); /critical at ${CRITICAL_RPS} req/s`,
  );
  console.log('shedding | load | bulk req/s offered | bulk served | bulk shed (503) | critical served | critical p50 ms | critical p99 ms');
  for (const shed of [true, false]) {
    for (const factor of [1, 2, 3]) {
      const server = await startServer(shed, bulkCpuMs);
      const r = await overload(server.url, cap * factor);
      server.stop();
      const row = [
        shed ? 'on' : 'off',
        `${factor}x`,
        (cap * factor).toFixed(0),
        r.served,
        r.shed,
        r.criticalServed,
        r.p50.toFixed(1),
        r.p99.toFixed(1),
      ];
      console.log(row.join(' | '));
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  });
}
