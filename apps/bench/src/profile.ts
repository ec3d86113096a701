/**
 * Where each variant's time goes: a separate short run per variant and scenario with the server
 * under `node --cpu-prof` (same skeleton, same pinning, same load), then the `.cpuprofile` JSON read
 * for self time by function (name + url:line), summed over the samples taken during the load. The
 * measured rounds never run under the profiler.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './children';
import type { PrivateRedis } from './redis-admin';
import { loadSpec, Log, Scenario, startServer } from './runner';
import type { Skeleton } from './skeleton';
import type { Variant } from './variants';
import { runLoadRun } from './wrk';

/** One function's self time in a profile. */
export interface HotFunction {
  /** `name url:line` (url shortened to the package path). */
  readonly name: string;
  /** Share of all sampled time, %. */
  readonly percent: number;
}

/** The top self-time functions of one profiled run. */
export interface ProfileTop {
  readonly scenario: Scenario['id'];
  readonly variant: Variant;
  readonly rps: number;
  /** Share of sampled time the process was idle, %. */
  readonly idlePercent: number;
  /** Sampled ms inside the load window (boot and shutdown excluded), or of the whole profile where none fell in it. */
  readonly sampledMs: number;
  /** Whether only the load window's samples were counted. */
  readonly windowed: boolean;
  readonly top: HotFunction[];
}

/** The parts of a `.cpuprofile` read here; times in µs of CLOCK_MONOTONIC (V8's TimeTicks, as `process.hrtime`). */
export interface CpuProfile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** A span of CLOCK_MONOTONIC time in µs (`process.hrtime.bigint() / 1000n`). */
export interface Window {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Shortens a profile url: `node_modules/<pkg>/...` to `<pkg>/...`, the skeleton's own files to `skeleton/...`. */
export function shortUrl(url: string, skeletonDir: string): string {
  const path = url.replace(/^file:\/\//, '');
  const at = path.lastIndexOf('node_modules/');
  if (at !== -1) return path.slice(at + 'node_modules/'.length);
  return path.startsWith(skeletonDir) ? `skeleton${path.slice(skeletonDir.length)}` : path;
}

/**
 * Self time by function of a parsed `.cpuprofile`, the `count` largest, idle excluded; only samples
 * inside `window` (the load; boot and shutdown excluded) when any fall in it, else all of them.
 */
export function topSelfTime(
  profile: CpuProfile,
  skeletonDir: string,
  count: number,
  window?: Window,
): { idlePercent: number; top: HotFunction[]; sampledMs: number; windowed: boolean } {
  const inWindow = samplesIn(profile, window);
  const windowed = inWindow.some(Boolean);
  const keyOf = new Map<number, string>();
  for (const { id, callFrame: f } of profile.nodes) {
    const where = f.url ? ` ${shortUrl(f.url, skeletonDir)}:${f.lineNumber + 1}` : '';
    keyOf.set(id, `${f.functionName || '(anonymous)'}${where}`);
  }
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    if (windowed && !inWindow[i]) return;
    const dt = Math.max(0, profile.timeDeltas[i + 1] ?? 0); // the time until the next sample
    total += dt;
    const key = keyOf.get(id) ?? '?';
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const pct = (t: number) => (total > 0 ? (100 * t) / total : 0);
  const idlePercent = pct(self.get('(idle)') ?? 0);
  self.delete('(idle)');
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, t]) => ({ name, percent: pct(t) }));
  return { idlePercent, top, sampledMs: total / 1000, windowed };
}

/** For each sample, whether its timestamp falls inside `window`. */
function samplesIn(profile: CpuProfile, window: Window | undefined): boolean[] {
  let at = profile.startTime;
  return profile.samples.map((_, i) => {
    at += profile.timeDeltas[i] ?? 0;
    return window !== undefined && at >= window.fromUs && at <= window.toUs;
  });
}

/**
 * Profiles every variant of `scenario`: all its servers boot together under `--cpu-prof`, then each in
 * turn takes 1 s of warm-up load (JIT) and `durationS` s of profiled load; only that window's samples count.
 */
export async function profileScenario(
  scenario: Scenario,
  durationS: number,
  connections: number,
  redis: PrivateRedis,
  skeleton: Skeleton,
  log: Log,
): Promise<ProfileTop[]> {
  const dirs = new Map(scenario.variants.map((v) => [v, mkdtempSync(join(tmpdir(), 'bench-prof-'))]));
  const servers = new Map<Variant, Awaited<ReturnType<typeof startServer>>>();
  const windows = new Map<Variant, { rps: number; window: Window }>();
  try {
    try {
      const started = await Promise.allSettled(
        scenario.variants.map(async (v) =>
          servers.set(v, await startServer(skeleton, v, scenario, redis.url, ['--cpu-prof', `--cpu-prof-dir=${dirs.get(v)}`])),
        ),
      );
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      for (const variant of scenario.variants) {
        const { ready } = servers.get(variant)!;
        await runLoadRun(loadSpec(scenario, ready.port, 1, connections));
        const fromUs = Number(process.hrtime.bigint() / 1000n);
        const { rps } = await runLoadRun(loadSpec(scenario, ready.port, durationS, connections));
        windows.set(variant, { rps, window: { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) } });
        log(`${scenario.id} profile ${variant.padEnd(15)} ${Math.round(rps)} req/s under --cpu-prof`);
      }
    } finally {
      await Promise.all([...servers.values()].map(({ child }) => stopChild(child, 15_000))); // a normal exit writes the profile
    }
    return scenario.variants.map((variant) => {
      const dir = dirs.get(variant)!;
      const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error(`${scenario.id} ${variant}: the profiled server wrote no .cpuprofile`);
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      const { rps, window } = windows.get(variant)!;
      return { scenario: scenario.id, variant, rps, ...topSelfTime(profile, skeleton.dir, 15, window) };
    });
  } finally {
    for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
  }
}
