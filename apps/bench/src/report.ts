/**
 * The bench's one markdown report: the HTTP table (medians over rounds, ratios to baseline and to
 * the peer library), the stores alone, the memory cost, the correctness checks and the targets.
 */
import { pinningNote } from './pinning';
import { baselineSpread, BenchData, correctness, fmt, PEERS, Ratio, summarize, targets, Verdict, VariantSummary } from './summary';
import { Variant, VARIANTS } from './variants';

/** The whole report, markdown. */
export function renderReport(data: BenchData): string {
  const summaries = summarize(data.records, data.scenarios);
  const o = data.options;
  return [
    `# Throttle bench, ${data.startedAt.toISOString()}`,
    '',
    `Command: \`${data.command}\` (took ${fmt(data.tookS, 0)} s)`,
    '',
    `Machine: ${data.machine.cpus} CPUs (${data.machine.model}), node ${data.machine.node}, redis-server ${data.machine.redis}. ` +
      `Pinning: ${pinningNote()}. Absolute figures are low and other work may share the cores: ratios are what matter.`,
    '',
    `Settings: ${o.rounds} round(s) of ${o.durationS} s per variant (medians over rounds), ${o.warmupS} s warm-up before each variant's first run, ` +
      `${o.connections} connections, pipelining 1, rounds alternate variants (${VARIANTS.join(', ')}). ` +
      `Variants are each their own process; the generator (autocannon) runs in a fresh process per run.`,
    '',
    ...httpSection(data, summaries),
    ...storageSection(data),
    ...memorySection(data),
    '## Correctness',
    '',
    ...verdictLines(correctness(data, summaries), 'PASS', 'FAIL'),
    '',
    '## Targets (issue 10)',
    '',
    ...verdictLines(targets(data, summaries), 'MET', 'NOT MET'),
    ...(data.failures.length ? ['', '## Steps that failed', '', ...data.failures.map((f) => `- ${f.replace(/\n/g, '\n  ')}`)] : []),
    '',
  ].join('\n');
}

function httpSection(data: BenchData, summaries: Map<string, Map<Variant, VariantSummary>>): string[] {
  const lines = ['## HTTP: GET /hi', ''];
  for (const s of data.scenarios) lines.push(`- ${s.id}: ${s.title} (limit ${s.limit} per ${s.windowMs / 1000} s, header \`x-client-id\`)`);
  lines.push(
    '',
    '| scenario | variant | req/s | req/s min–max | p99 ms | × floor (min–max) | × peer (min–max) | × baseline | server CPU µs/req | generator CPU µs/req | responses (all runs) |',
  );
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  const redisRows: string[] = [];
  for (const scenario of data.scenarios) {
    for (const [variant, s] of summaries.get(scenario.id) ?? []) {
      const statuses =
        Object.entries(s.statuses)
          .map(([code, n]) => `${n}×${code}`)
          .join(', ') + (s.failed ? `, ${s.failed} errors` : '');
      const peer = s.xPeer === undefined ? '–' : `${ratio(s.xPeer)} vs ${PEERS[variant]}`;
      const rpsSpread = `${fmt(Math.min(...s.roundsRps), 0)}–${fmt(Math.max(...s.roundsRps), 0)}`;
      lines.push(
        `| ${scenario.id} | ${variant} | ${fmt(s.rps, 0)} | ${rpsSpread} | ${s.p99Ms} | ${ratio(s.xFloor)} | ${peer} | ${fmt(s.xBaseline, 2)} | ${fmt(s.serverCpuUsPerRequest, 1)} | ${fmt(s.generatorCpuUsPerRequest, 1)} | ${statuses} |`,
      );
      const r = s.redis;
      if (r)
        redisRows.push(
          `| ${scenario.id} | ${variant} | ${fmt(r.callsPerRequest, 3)} | ${r.callsPerRequest > 0 ? fmt(1 / r.callsPerRequest, 1) : '–'} | ${fmt(r.usPerCall, 1)} | ${fmt(r.scriptUsPerRequest, 1)} | ${fmt(r.cpuUsPerRequest, 1)} | ${fmt(r.decisionsPerCpuS, 0)} |`,
        );
    }
  }
  const spread = [...baselineSpread(summaries)].map(([scenario, x]) => `${scenario} ${fmt(100 * x, 0)} %`).join(', ');
  lines.push(
    '',
    'req/s, latencies and CPU are medians over rounds; × floor, × peer and × baseline are medians of per-round ratios, min–max over rounds in brackets (each round runs the variants back to back, so drift cancels). ' +
      'The floor is the baseline app plus a hook that only writes what the contract forces on any limiter: S1 the 5 rate-limit headers, S2 the 429 with its 6 headers and body (floors.ts). ' +
      "Latencies are autocannon's, in whole milliseconds. Server CPU is the variant process's user + system time during the run (/proc, 10 ms ticks) per request: the least noisy cost figure here. " +
      "Generator CPU is autocannon's, per response: server and generator share the cores, so a heavier response (a 429 with its body and headers) also slows the generator." +
      (spread
        ? ` Noise: the baseline's req/s varied by ${spread} (max − min over median) across rounds; more rounds (\`--rounds 7\`) narrow the medians.`
        : ''),
    '',
    '| scenario | variant | Redis calls/req | req/call | Redis script µs/call | Redis script µs/req | Redis CPU µs/req | decisions per Redis CPU s |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
    ...redisRows,
    '',
    'Script = EVAL/EVALSHA time from `INFO commandstats` (reset with CONFIG RESETSTAT before each measured run), per call and per HTTP request; Redis CPU = redis-server user + system CPU (`INFO cpu` used_cpu_sys + used_cpu_user delta) during the run, per HTTP request; decisions per Redis CPU second is its inverse.',
    '',
  );
  return lines;
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

function ratio(r: Ratio): string {
  return `${fmt(r.median, 2)} (${fmt(r.min, 2)}–${fmt(r.max, 2)})`;
}

function verdictLines(verdicts: readonly Verdict[], yes: string, no: string): string[] {
  return verdicts.map((v) => `- ${v.ok === undefined ? 'NOT MEASURED' : v.ok ? yes : no}: ${v.what}: ${v.figure}`);
}
