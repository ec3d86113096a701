/**
 * `npm run bench:redis` (`node dist/apps/bench/src/redis-connection-bench.js [--duration-ms 2000] [--rounds 3]`):
 * what two connection choices cost the Redis store, on a private master + 1 replica (127.0.0.1,
 * no persistence), in alternating rounds (medians):
 *
 * - `waitReplicas: 1` (WAIT 1 50 pipelined behind each script) against none: µs per decision one
 *   at a time (latency), and decisions/s with 64 in flight;
 * - ioredis `enableAutoPipelining` against the module's client (which corks the socket per
 *   event-loop turn), on the store's own call pattern: `consume()` over 10,000 keys.
 *
 * Prints a markdown table. Not part of `npm test`.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { RedisThrottleStorage, ThrottleRequest } from 'nest-scoped-throttle';
// Internals measured directly: the client options the module builds, imported from the library's source.
import { singleNodeOptions } from '../../../libs/throttle/src/redis/client-options';
import { flagValue } from './args';
import { freePort, installCleanup, spawnCommand, stopChild } from './children';
import { median } from './stats';

const KEYS = 10_000;
const requests: ThrottleRequest[] = Array.from({ length: KEYS }, (_, i) => ({ rules: [{ key: `hi:{k${i}}`, limit: 1_000_000, windowMs: 60_000 }] }));

interface Variant {
  readonly name: string;
  readonly store: RedisThrottleStorage;
}

interface Row {
  readonly name: string;
  readonly usPerDecision: number;
  readonly perS: number;
}

async function startServer(args: string[]): Promise<{ port: number; child: ChildProcess; admin: Redis }> {
  const port = await freePort();
  const child = spawnCommand('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args]);
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
async function store(port: number, extra: Record<string, unknown>, replicaWait?: { replicas: number; timeoutMs: number }): Promise<RedisThrottleStorage> {
  const options = singleNodeOptions({ kind: 'url', url: `redis://127.0.0.1:${port}` }, { keyPrefix: 'bench:', storeTimeoutMs: 100 });
  const client = new Redis({ ...options, ...extra });
  client.on('error', () => undefined);
  const s = new RedisThrottleStorage(client, { ownsClient: true, replicaWait });
  await s.open();
  return s;
}

/** One at a time for `ms`: µs per decision. */
async function sequential(s: RedisThrottleStorage, ms: number): Promise<number> {
  let i = 0;
  const start = performance.now();
  while (performance.now() - start < ms) await s.consume(requests[i++ % KEYS]);
  return ((performance.now() - start) * 1000) / i;
}

/** `concurrency` closed loops for `ms`: decisions per second. */
async function concurrent(s: RedisThrottleStorage, ms: number, concurrency: number): Promise<number> {
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
  const master = await startServer([]);
  const replica = await startServer(['--replicaof', '127.0.0.1', String(master.port)]);
  try {
    await until(async () => (await replica.admin.info('replication')).includes('master_link_status:up'), 10_000, 'the replica in sync');
    const variants: Variant[] = [
      { name: 'module client (socket corked per turn)', store: await store(master.port, {}) },
      { name: 'module client + enableAutoPipelining', store: await store(master.port, { enableAutoPipelining: true }) },
      { name: 'module client + waitReplicas: 1 (WAIT 1 50)', store: await store(master.port, {}, { replicas: 1, timeoutMs: 50 }) },
    ];
    const latency = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const throughput = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
        await master.admin.flushall();
        await sequential(v.store, Math.min(300, ms / 4)); // warm-up
        latency.get(v.name)!.push(await sequential(v.store, ms));
        throughput.get(v.name)!.push(await concurrent(v.store, ms, 64));
        process.stderr.write(`round ${round + 1}/${rounds} ${v.name}: done\n`);
      }
    }
    const rows: Row[] = variants.map((v) => ({ name: v.name, usPerDecision: median(latency.get(v.name)!), perS: median(throughput.get(v.name)!) }));
    const info = await master.admin.info('server');
    console.log(`\nRedis ${/redis_version:(\S+)/.exec(info)?.[1]} master + 1 replica on 127.0.0.1, Node ${process.version}, ${rounds} rounds × ${ms} ms, medians\n`);
    console.log('| client | µs per decision, one at a time | decisions/s, 64 in flight |');
    console.log('|---|--:|--:|');
    for (const r of rows) console.log(`| ${r.name} | ${r.usPerDecision.toFixed(1)} | ${Math.round(r.perS).toLocaleString('en-US')} |`);
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
