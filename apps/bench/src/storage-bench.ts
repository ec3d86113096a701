/**
 * S3, the stores alone (no HTTP), as its own process:
 * `node dist/apps/bench/src/storage-bench.js --redis-url URL --duration-ms 3000 --concurrency 128 --rounds 3`.
 * Decisions per second of every contender (see storage-contenders.ts), in alternating rounds, and
 * Redis bytes per key holding a full log. Prints one line `RESULT <StorageBenchResult JSON>`.
 */
import { Redis } from 'ioredis';
import { RedisThrottleStorage } from 'nest-scoped-throttle';
// Internals the store benchmark drives directly, imported from the library's source.
import { connectRedis } from '../../../libs/throttle/src/redis/redis-connection';
import { hashIdentity } from '../../../libs/throttle/src/storage/store-key';
import { flagValue } from './args';
import { runAsChild } from './children';
import { counterDelta, RedisCounters, readCounters, resetCounters } from './redis-admin';
import { Contender, Decide, openContenders } from './storage-contenders';
import { median } from './stats';

/** One store's throughput over the rounds. */
export interface StoreRate {
  readonly name: string;
  /** Median over rounds. */
  readonly decisionsPerS: number;
  readonly roundsPerS: number[];
  /** Decisions over all measured rounds. */
  readonly decisions: number;
  /** Decisions that failed with an error (not refusals); must be 0. */
  readonly errors: number;
  /** Redis counters summed over the measured rounds (Redis stores only). */
  readonly redis?: RedisCounters;
  /** Anything the reader must know (e.g. decisions the failure policy made instead of Redis). */
  readonly note?: string;
}

/** What S3 measured. */
export interface StorageBenchResult {
  readonly rates: StoreRate[];
  /** `MEMORY USAGE` of one key whose log holds `limit` admissions, by limit. */
  readonly redisBytesPerKey: Record<number, number>;
}

interface Measured {
  decisions: number;
  errors: number;
  perS: number;
}

/** Calls `decide` in a tight loop for `ms`. */
function runSync(ms: number, decide: Decide): Measured {
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < ms) for (let j = 0; j < 1_000; j++) decide(i++);
  return { decisions: i, errors: 0, perS: i / ((performance.now() - start) / 1000) };
}

/** `concurrency` closed loops awaiting `decide` for `ms`; rejections that are Errors count as errors (refusals are not). */
async function runAsync(ms: number, concurrency: number, decide: Decide): Promise<Measured> {
  let i = 0;
  let errors = 0;
  const start = performance.now();
  const loop = async () => {
    while (performance.now() - start < ms) {
      await (decide(i++) as Promise<unknown>).catch((e: unknown) => void (e instanceof Error && errors++));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { decisions: i, errors, perS: i / ((performance.now() - start) / 1000) };
}

/** One round of one contender: a short warm-up, then `ms` measured (Redis flushed before, counters around it). */
async function measure(c: Contender, admin: Redis, ms: number, concurrency: number): Promise<Measured & { redis?: RedisCounters }> {
  const decide = c.round();
  const warmMs = Math.min(500, ms / 4);
  if (c.mode === 'sync') {
    runSync(warmMs, decide);
    return runSync(ms, decide);
  }
  if (c.mode === 'redis') await admin.flushall();
  await runAsync(warmMs, concurrency, decide);
  if (c.mode === 'async') return runAsync(ms, concurrency, decide);
  const before = await resetCounters(admin);
  const result = await runAsync(ms, concurrency, decide);
  return { ...result, redis: counterDelta(before, await readCounters(admin)) };
}

async function measureAll(admin: Redis, url: string, ms: number, concurrency: number, rounds: number): Promise<StoreRate[]> {
  const contenders = await openContenders(url);
  const runs = new Map<Contender, (Measured & { redis?: RedisCounters })[]>(contenders.list.map((c) => [c, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const c of contenders.list) runs.get(c)!.push(await measure(c, admin, ms, concurrency));
    }
  } finally {
    await admin.flushall();
    await contenders.close();
  }
  const offRedis = contenders.offRedis();
  return contenders.list.map((c) => {
    const r = runs.get(c)!;
    const sum = (f: (x: RedisCounters) => number) => r.reduce((n, x) => n + (x.redis ? f(x.redis) : 0), 0);
    return {
      name: c.name,
      decisionsPerS: median(r.map((x) => x.perS)),
      roundsPerS: r.map((x) => x.perS),
      decisions: r.reduce((n, x) => n + x.decisions, 0),
      errors: r.reduce((n, x) => n + x.errors, 0),
      redis:
        c.mode === 'redis'
          ? {
              scriptCalls: sum((x) => x.scriptCalls),
              scriptUsec: sum((x) => x.scriptUsec),
              zaddCalls: sum((x) => x.zaddCalls),
              cpuUs: sum((x) => x.cpuUs),
            }
          : undefined,
      note: c.name.includes('failure policy') ? offRedis : undefined,
    };
  });
}

/** Fills one key's log to `limit` through our store (1 h window) and asks Redis its size. */
async function redisBytesPerKey(admin: Redis, url: string, limits: readonly number[]): Promise<Record<number, number>> {
  const store = RedisThrottleStorage.fromConnection(connectRedis({ kind: 'url', url }, 'throttle:'));
  await store.open();
  const out: Record<number, number> = {};
  try {
    for (const limit of limits) {
      const key = `hi:{${hashIdentity(`h:bytes-${limit}`)}}`;
      const request = { rules: [{ key, limit, windowMs: 3_600_000 }] };
      for (let i = 0; i < limit; i++) if (!(await store.consume(request)).allowed) throw new Error(`refused at ${i} of ${limit}`);
      if ((await store.consume(request)).allowed) throw new Error(`admitted ${limit + 1} of ${limit}`);
      out[limit] = Number(await admin.call('MEMORY', 'USAGE', `throttle:${key}`, 'SAMPLES', '0'));
      await admin.unlink(`throttle:${key}`);
    }
  } finally {
    await store.close();
  }
  return out;
}

async function main(argv: readonly string[]): Promise<StorageBenchResult> {
  const url = flagValue(argv, '--redis-url');
  if (url === undefined) throw new Error('--redis-url is required');
  const ms = Number(flagValue(argv, '--duration-ms') ?? 3_000);
  const concurrency = Number(flagValue(argv, '--concurrency') ?? 128);
  const rounds = Number(flagValue(argv, '--rounds') ?? 3);
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  admin.on('error', () => undefined);
  try {
    const rates = await measureAll(admin, url, ms, concurrency, rounds);
    return { rates, redisBytesPerKey: await redisBytesPerKey(admin, url, [10, 60, 1000]) };
  } finally {
    admin.disconnect();
  }
}

if (require.main === module) runAsChild(() => main(process.argv.slice(2)));
