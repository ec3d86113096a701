/**
 * The HTTP part of the report: the headline ratios with their spread, every variant's figures, Redis
 * activity, and each variant's top self-time functions from its profiled run.
 */
import type { ProfileTop } from './profile';
import { BenchData, floorSpread, fmt, pairedRatio, Ratio, summarize } from './summary';

/** The HTTP sections, markdown lines. */
export function httpSection(data: BenchData): string[] {
  const summaries = summarize(data.records, data.scenarios);
  const lines = ['## HTTP: the skeleton app, GET /', ''];
  for (const s of data.scenarios) {
    lines.push(
      `- ${s.id}: ${s.title} (limit ${fmt(s.limit, 0)} per ${s.windowMs / 1000} s, key \`query:api_key\`; variants ${s.variants.join(', ')})`,
    );
  }
  lines.push('', '### Ratios (one over the other, paired per round: median, min–max over rounds)', '');
  lines.push('| scenario | ratio | by req/s | min–max | by server CPU per request | min–max |', '|---|---|--:|--:|--:|--:|');
  for (const s of data.scenarios) {
    for (const [a, b] of s.ratios) {
      const r = pairedRatio(data.records, s.id, a, b);
      const c = pairedRatio(data.records, s.id, a, b, 'cpu');
      lines.push(`| ${s.id} | ${a} / ${b} | ${fmt(r.median, 2)}× | ${spread(r)} | ${fmt(c.median, 2)}× | ${spread(c)} |`);
    }
  }
  lines.push(
    '',
    '"By req/s" is what the load got through; "by server CPU per request" is b\'s server CPU µs per request over a\'s: the req/s ratio a whole core ' +
      'would give. When other work shares the cores (load average above the core count) or the server idles (see the profiles), the CPU ratio is the steadier one.',
  );
  lines.push('', '### Variants', '');
  lines.push('| scenario | variant | req/s | req/s min–max | p50 ms | p99 ms | server CPU µs/req | responses (all runs) |');
  lines.push('|---|---|--:|--:|--:|--:|--:|---|');
  const redisRows: string[] = [];
  for (const scenario of data.scenarios) {
    for (const [variant, s] of summaries.get(scenario.id) ?? []) {
      const statuses =
        Object.entries(s.statuses)
          .map(([code, n]) => `${n}×${code}`)
          .join(', ') + (s.failed ? `, ${s.failed} errors` : '');
      const rpsSpread = `${fmt(Math.min(...s.roundsRps), 0)}–${fmt(Math.max(...s.roundsRps), 0)}`;
      lines.push(
        `| ${scenario.id} | ${variant} | ${fmt(s.rps, 0)} | ${rpsSpread} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.serverCpuUsPerRequest, 1)} | ${statuses} |`,
      );
      const r = s.redis;
      if (r)
        redisRows.push(
          `| ${scenario.id} | ${variant} | ${fmt(r.callsPerRequest, 3)} | ${r.callsPerRequest > 0 ? fmt(1 / r.callsPerRequest, 1) : '–'} | ${fmt(r.usPerCall, 1)} | ${fmt(r.scriptUsPerRequest, 1)} | ${fmt(r.cpuUsPerRequest, 1)} | ${fmt(r.decisionsPerCpuS, 0)} |`,
        );
    }
  }
  const noise = [...floorSpread(summaries)].map(([id, { variant, spread: x }]) => `${id} ${variant} ${fmt(100 * x, 0)} %`).join(', ');
  lines.push(
    '',
    "req/s, latencies and CPU are medians over rounds. Floors (no limiter; apps/bench/skeleton/src/floors.ts): guard5/hook5 write the contract's 5 headers from a global guard / a Fastify `onRequest` hook; " +
      'guard429/hook429 answer its 429 (6 headers, JSON body); empty-guard is a global guard that returns true; baseline has neither. ' +
      "Server CPU is the variant process's user + system time during the run (/proc, 10 ms ticks) per request." +
      (noise ? ` Noise: the first variant's req/s varied by ${noise} (max − min over median) across rounds.` : ''),
    '',
    '| scenario | variant | Redis calls/req | req/call | Redis script µs/call | Redis script µs/req | Redis CPU µs/req | decisions per Redis CPU s |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
    ...redisRows,
    '',
    'Script = EVAL/EVALSHA time from `INFO commandstats` (reset before each measured run); Redis CPU = redis-server user + system CPU during the run, per HTTP request.',
    '',
  );
  return [...lines, ...profileSection(data.profiles, data.options.profileS)];
}

function profileSection(profiles: readonly ProfileTop[], seconds: number): string[] {
  const lines = ['## Where the time goes: top 15 self-time functions per variant', ''];
  if (profiles.length === 0) return [...lines, 'not measured', ''];
  lines.push(
    `A separate run of ${seconds} s per variant with the server under \`node --cpu-prof\` (same load, same pinning; never a measured round). ` +
      'Only the samples taken while the load ran count (boot and shutdown excluded). ' +
      'Self time by function (name, package path:line), as a share of all sampled time; idle excluded from the list.',
    '',
  );
  for (const p of profiles) {
    const span = `${fmt(p.sampledMs, 0)} ms sampled ${p.windowed ? 'during the load' : 'over the whole process (boot included: no sample fell in the load window)'}`;
    lines.push(`### ${p.scenario} ${p.variant} (${fmt(p.rps, 0)} req/s under the profiler; ${span}; idle ${fmt(p.idlePercent, 1)} %)`, '');
    lines.push('| self % | function |', '|--:|---|');
    for (const f of p.top) lines.push(`| ${fmt(f.percent, 1)} | \`${f.name.replace(/\|/g, '\\|')}\` |`);
    lines.push('');
  }
  return lines;
}

function spread(r: Ratio): string {
  return `${fmt(r.min, 2)}–${fmt(r.max, 2)}`;
}
