/**
 * The bench's one markdown report: the HTTP ratios and figures over the skeleton app with their
 * profiles (report-http.ts), the stores alone, the memory cost, the correctness checks and the targets.
 */
import { pinningNote } from './pinning';
import { httpSection } from './report-http';
import { BenchData, fmt, summarize } from './summary';
import { correctness, targets, Verdict } from './verdicts';

/** The whole report, markdown. */
export function renderReport(data: BenchData): string {
  const o = data.options;
  const sk = data.skeleton;
  return [
    `# Throttle bench, ${data.startedAt.toISOString()}`,
    '',
    `Command: \`${data.command}\` (took ${fmt(data.tookS, 0)} s)`,
    '',
    `Machine: ${data.machine.cpus} CPUs (${data.machine.model}), node ${data.machine.node}, redis-server ${data.machine.redis}. ` +
      `Pinning: ${pinningNote()}. Load average (1 min) ${fmt(data.machine.loadAverage[0], 1)} at the start, ${fmt(data.machine.loadAverage[1], 1)} at the end ` +
      `(above ${data.machine.cpus}: other work shared the cores). Absolute figures are low and noisy: paired ratios are what matter.`,
    '',
    sk
      ? `App: the skeleton (apps/bench/skeleton: Nest 11 + Fastify, one route) built in ${sk.dir} with ${sk.library}; ` +
        Object.entries(sk.versions)
          .filter(([name]) => name !== 'nest-scoped-throttle')
          .map(([name, v]) => `${name} ${v}`)
          .join(', ') +
        '.'
      : 'App: the skeleton could not be built.',
    '',
    `Settings: ${o.rounds} round(s) of ${o.durationS} s per variant (medians over rounds), ${o.warmupS} s warm-up before each variant's first run, ` +
      `${o.connections} connections, load by ${data.generator} in a fresh process per run, rounds alternate variants; each variant is its own server process.`,
    '',
    ...httpSection(data),
    ...storageSection(data),
    ...memorySection(data),
    '## Correctness',
    '',
    ...verdictLines(correctness(data, summarize(data.records, data.scenarios)), 'PASS', 'FAIL'),
    '',
    '## Targets (issue 19; S3: issue 10)',
    '',
    ...verdictLines(targets(data), 'MET', 'NOT MET'),
    ...(data.failures.length ? ['', '## Steps that failed', '', ...data.failures.map((f) => `- ${f.replace(/\n/g, '\n  ')}`)] : []),
    '',
  ].join('\n');
}

function storageSection(data: BenchData): string[] {
  const lines = ['## S3: the stores alone (no HTTP; 10 000 keys under their limit)', ''];
  if (!data.storage) return [...lines, 'not measured', ''];
  const ceiling = data.ceiling?.decisionsPerS;
  lines.push(
    `${data.options.rounds} round(s) of ${data.options.storageS} s per store, alternating; decisions/s are medians. ` +
      `Async stores run with ${data.options.storageConcurrency} decisions in flight. Redis is flushed before each Redis run.`,
    '',
  );
  lines.push(
    '| store | decisions/s | × ceiling | Redis script µs/call | Redis CPU µs/decision | decisions per Redis CPU s | decisions/s by round | note |',
    '|---|--:|--:|--:|--:|--:|---|---|',
  );
  for (const r of data.storage.rates) {
    const redis = r.redis;
    const x = redis && ceiling ? fmt(r.decisionsPerS / ceiling, 2) : '–';
    const perCall = redis && redis.scriptCalls ? fmt(redis.scriptUsec / redis.scriptCalls, 1) : '–';
    const cpu = redis && r.decisions ? fmt(redis.cpuUs / r.decisions, 1) : '–';
    const perCpuS = redis && redis.cpuUs > 0 ? fmt((r.decisions * 1e6) / redis.cpuUs, 0) : '–';
    const note = [r.note, r.errors ? `${r.errors} errors` : ''].filter(Boolean).join('; ');
    lines.push(
      `| ${r.name} | ${fmt(r.decisionsPerS, 0)} | ${x} | ${perCall} | ${cpu} | ${perCpuS} | ${r.roundsPerS.map((v) => fmt(v, 0)).join(' / ')} | ${note} |`,
    );
  }
  const ceilingRounds = data.ceiling?.roundsPerS.map((v) => fmt(v, 0)).join(' / ') ?? '';
  lines.push(
    `| ceiling: redis-benchmark, our script, -P 16 | ${ceiling ? fmt(ceiling, 0) : 'not measured'} | 1.00 | | | | ${ceilingRounds} | |`,
    '',
  );
  if (data.ceiling) lines.push(`Ceiling command: \`${data.ceiling.command}\``, '');
  return lines;
}

function memorySection(data: BenchData): string[] {
  const m = data.memoryCost;
  const bytes = data.storage?.redisBytesPerKey;
  const lines = ['## Memory cost', ''];
  if (m) {
    lines.push(
      `Memory store, ns per decision (\`memory-cost.ts\`, decideSync): new key ${m.nsPerDecision.fresh}, under limit ${m.nsPerDecision.underLimit}, over limit ${m.nsPerDecision.overLimit}; GCRA under limit ${m.nsPerDecision.gcraUnderLimit ?? '-'}, over limit ${m.nsPerDecision.gcraOverLimit ?? '-'}.`,
      '',
    );
  }
  lines.push(
    '| limit (log full) | memory store, heap bytes/key | memory store, GCRA bytes/key | Redis, `MEMORY USAGE` bytes/key |',
    '|--:|--:|--:|--:|',
  );
  for (const limit of [10, 60, 1000]) {
    const cells = [m?.bytesPerKey[limit], m?.bytesPerKeyGcra?.[limit], bytes?.[limit]].map((v) => (v === undefined ? 'not measured' : v));
    lines.push(`| ${limit} | ${cells.join(' | ')} |`);
  }
  return [...lines, ''];
}

function verdictLines(verdicts: readonly Verdict[], yes: string, no: string): string[] {
  return verdicts.map((v) => `- ${v.ok === undefined ? 'NOT MEASURED' : v.ok ? yes : no}: ${v.what}: ${v.figure}`);
}
