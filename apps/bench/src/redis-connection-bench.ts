/**
 * `npm run bench:redis` (`node dist/apps/bench/src/redis-connection-bench.js [--duration-ms 2000] [--rounds 3]`):
 * what two connection choices cost the Redis store, on a private master + 1 replica (127.0.0.1,
 * no persistence), on the store's own call pattern (`consume()` over 10,000 keys):
 *
 * - `waitReplicas: 1` (WAIT 1 50 pipelined behind each script) against none;
 * - ioredis `enableAutoPipelining` against the module's client (which corks the socket per
 *   event-loop turn).
 *
 * Latency: one decision at a time, the variants taking turns decision by decision (a noisy
 * neighbour slows them alike), p50 and p99. Throughput: 64 in flight, alternating rounds, median.
 * Prints a markdown table. Not part of `npm test`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisThrottleStorage, ThrottleRequest } from 'nest-scoped-throttle';
// Internals measured directly: the client options the module builds, imported from the library's source.
import { singleNodeOptions } from '../../../libs/throttle/src/redis/client-options';
import { flagValue } from './args';
import { installCleanup, spawnCommand, stopChild } from './children';
import { median } from './stats';
import { freePort } from '../../../libs/testkit/src';

const KEYS = 10_000;
const requests: ThrottleRequest[] = Array.from({ length: KEYS }, (_, i) => ({
  rules: [{ key: `hi:{k${i}}`, limit: 1_000_000, windowMs: 60_000 }],
}));

interface Variant {
  readonly name: string;
  readonly store: RedisThrottleStorage;
}

/** A redis-server on a free port, its files (a replica's received RDB) in `dir`. */
async function startServer(dir: string, args: string[]): Promise<{ port: number; child: ChildProcess; admin: Redis }> {
  const port = await freePort();
  const child = spawnCommand('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    ...args,
  ]);
  child.stdout?.resume();
  child.stderr?.resume();
  const admin = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 50 });
  admin.on('error', () => undefined);
  await until(async () => (await admin.ping()) === 'PONG', 10_000, `redis-server on ${port}`);
  return { port, child, admin };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A store over a client built exactly as the module builds it (plus `extra` client options). */
async function store(
  port: number,
  extra: Record<string, unknown>,
  replicaWait?: { replicas: number; timeoutMs: number },
): Promise<RedisThrottleStorage> {
  const options = singleNodeOptions({ kind: 'url', url: `redis://127.0.0.1:${port}` }, { keyPrefix: 'bench:', storeTimeoutMs: 100 });
  const client = new Redis({ ...options, ...extra });
  client.on('error', () => undefined);
  const s = new RedisThrottleStorage(client, { ownsClient: true, replicaWait });
  await s.open();
  return s;
}

/**
 * One decision at a time for `ms`, the variants taking turns decision by decision (so a noisy
 * neighbour slows them alike): each variant's median and p99 µs per decision.
 */
async function interleaved(variants: readonly Variant[], ms: number): Promise<Map<string, { p50: number; p99: number }>> {
  const samples = variants.map(() => [] as number[]);
  let i = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    const request = requests[i++ % KEYS];
    for (let v = 0; v < variants.length; v++) {
      const t = performance.now();
      await variants[v].store.consume(request);
      samples[v].push((performance.now() - t) * 1000);
    }
  }
  return new Map(variants.map((v, j) => [v.name, { p50: median(samples[j]), p99: percentile(samples[j], 0.99) }]));
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** `concurrency` closed loops for `ms` (Redis flushed first): decisions per second. */
async function concurrent(s: RedisThrottleStorage, ms: number, concurrency: number): Promise<number> {
  await s.client.flushall();
  let i = 0;
  const start = performance.now();
  const loop = async () => {
    while (performance.now() - start < ms) await s.consume(requests[i++ % KEYS]);
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return i / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  installCleanup();
  const argv = process.argv.slice(2);
  const ms = Number(flagValue(argv, '--duration-ms') ?? 2_000);
  const rounds = Number(flagValue(argv, '--rounds') ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const master = await startServer(dir, []);
  const replica = await startServer(dir, ['--replicaof', '127.0.0.1', String(master.port)]);
  try {
    await until(async () => (await replica.admin.info('replication')).includes('master_link_status:up'), 10_000, 'the replica in sync');
    const variants: Variant[] = [
      { name: 'module client (socket corked per turn)', store: await store(master.port, {}) },
      { name: 'module client + enableAutoPipelining', store: await store(master.port, { enableAutoPipelining: true }) },
      { name: 'module client + waitReplicas: 1 (WAIT 1 50)', store: await store(master.port, {}, { replicas: 1, timeoutMs: 50 }) },
    ];
    await master.admin.flushall();
    await interleaved(variants, Math.min(500, ms)); // warm-up
    const latency = await interleaved(variants, ms * rounds);
    process.stderr.write('latency: done\n');
    const throughput = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
        throughput.get(v.name)!.push(await concurrent(v.store, ms, 64));
      }
      process.stderr.write(`throughput round ${round + 1}/${rounds}: done\n`);
    }
    const info = await master.admin.info('server');
    const load = (await import('node:os')).loadavg()[0].toFixed(1);
    console.log(
      `\nRedis ${/redis_version:(\S+)/.exec(info)?.[1]} master + 1 replica on 127.0.0.1, Node ${process.version}, load average ${load}`,
    );
    console.log(
      `latency: ${rounds * ms} ms of interleaved single decisions; throughput: median of ${rounds} alternating rounds × ${ms} ms\n`,
    );
    console.log('| client | µs per decision, one at a time (p50 / p99) | decisions/s, 64 in flight |');
    console.log('|---|--:|--:|');
    for (const v of variants) {
      const { p50, p99 } = latency.get(v.name)!;
      console.log(
        `| ${v.name} | ${p50.toFixed(0)} / ${p99.toFixed(0)} | ${Math.round(median(throughput.get(v.name)!)).toLocaleString('en-US')} |`,
      );
    }
    await Promise.all(variants.map((v) => v.store.close()));
  } finally {
    master.admin.disconnect();
    replica.admin.disconnect();
    await Promise.all([stopChild(master.child), stopChild(replica.child)]);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
