/**
 * The load generator: `wrk` (a cheaper client than autocannon on two cores) when it is installed
 * (`apt-get install -y wrk`), autocannon (load.ts) otherwise. wrk runs one thread pinned to the
 * generator's core, under the bench's guardian, with a Lua script that cycles the requests over the
 * scenario's identities (`/?api_key=k0` .. `k<n-1>`, prebuilt once) and prints one `RESULT` line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript, spawnCommand, stopChild, waitForLine } from './children';
import type { LoadResult, LoadSpec } from './load';

const LUA = `-- bench: cycle GET /?api_key=k<i> over the identities given as the script's first argument
local requests, count, at = {}, 1, 0
init = function(args)
  count = tonumber(args[1]) or 1
  for i = 0, count - 1 do requests[i] = wrk.format("GET", wrk.path .. "?api_key=k" .. i) end
end
request = function()
  local r = requests[at]
  at = at + 1
  if at >= count then at = 0 end
  return r
end
done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;

interface WrkResult {
  requests: number;
  durationUs: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50Us: number;
  p99Us: number;
}

let wrkPresent: boolean | undefined;

/** Whether `wrk` runs here. */
export function hasWrk(): boolean {
  wrkPresent ??= spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
  return wrkPresent;
}

/** The generator the bench uses: `wrk` or `autocannon`. */
export function generatorName(): string {
  return hasWrk() ? 'wrk (1 thread)' : 'autocannon';
}

/** Runs one load run with wrk when present, autocannon otherwise. */
export function runLoadRun(spec: LoadSpec): Promise<LoadResult> {
  if (!hasWrk()) return runScript<LoadResult>('load.js', [JSON.stringify(spec)], 'RESULT ', (spec.durationS + 30) * 1000, 'generator');
  return runWrk(spec);
}

async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  try {
    const script = join(dir, 'cycle.lua');
    writeFileSync(script, LUA);
    const args = [
      '-t1',
      `-c${spec.connections}`,
      `-d${spec.durationS}s`,
      '--timeout',
      '10s',
      '-s',
      script,
      spec.url,
      '--',
      String(spec.identities),
    ];
    const child = spawnCommand('wrk', args, 'generator');
    const r = JSON.parse(await waitForLine(child, 'RESULT ', (spec.durationS + 30) * 1000, 'wrk')) as WrkResult;
    await stopChild(child, 5_000);
    const durationS = r.durationUs / 1e6;
    return {
      rps: r.requests / durationS,
      p50Ms: r.p50Us / 1000,
      p99Ms: r.p99Us / 1000,
      completed: r.requests,
      statuses: { '2xx': r.requests - r.status, ...(r.status > 0 ? { 'non-2xx': r.status } : {}) },
      errors: r.connect + r.read + r.write,
      timeouts: r.timeout,
      durationS,
      generator: 'wrk',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
