/**
 * Redis cost at scale (issue 10, item 4): `node dist/apps/bench/src/redis-scale.js` (after `npm run build`).
 * Starts the bench's private Redis and, per algorithm (sliding log, GCRA) and limit (10, 60, 1000, 10 000,
 * a 60 s window), measures:
 * - memory: `used_memory` before and after filling `keys` keys as the store writes them (a sliding log:
 *   a full log, `limit` members "<µs>:<instance>:<seq>", ZADD in pipelines; GCRA: one string holding tat,
 *   SET with a TTL), scaled linearly to 1 M keys;
 * - CPU: Redis `INFO cpu` (user + sys) per decision over `decisions` decisions through the store (batched,
 *   128 in flight) on keys half full (a log of limit / 2 members; a bucket limit / 2 intervals in debt),
 *   under a rule that admits every decision (limit, or burst, × 1000: each decision writes), and what 1 M
 *   active keys cost if each decides at its full rate (limit per 60 s): cores = 1 M × limit / 60 × µs / 1e6.
 * Prints one markdown table. Measured, not modelled, except the linear scaling to 1 M keys.
 */
import type { Redis } from 'ioredis';
import { RedisThrottleStorage, ThrottleRule } from 'nest-scoped-throttle';
import { connectRedis } from '../../../libs/throttle/src/redis/redis-connection';
import { installCleanup } from './children';
import { startPrivateRedis } from './redis-admin';

const WINDOW_MS = 60_000;
/** Keys per limit: a sliding log's memory grows with its limit (fewer keys), a GCRA key's does not. */
const PLAN = [
  { limit: 10, keys: 20_000, decisions: 40_000 },
  { limit: 60, keys: 5_000, decisions: 40_000 },
  { limit: 1000, keys: 300, decisions: 40_000 },
  { limit: 10_000, keys: 100, decisions: 40_000 },
];
const GCRA_KEYS = 20_000;
type Algorithm = NonNullable<ThrottleRule['algorithm']>;
const ALGORITHMS: Algorithm[] = ['sliding-log', 'gcra'];

async function usedMemory(admin: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1]);
}

async function cpuUs(admin: Redis): Promise<number> {
  const cpu = await admin.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
}

const keyOf = (prefix: string, k: number) => `${prefix}:{${k.toString(36).padStart(27, '_')}}`;

/** Fills `keys` logs of `count` members each, as the store writes them (score = µs, member = "<µs>:<instance>:<seq>"). */
async function fillLogs(admin: Redis, prefix: string, keys: number, count: number): Promise<void> {
  const nowUs = Date.now() * 1000;
  for (let k = 0; k < keys; k++) {
    const pipeline = admin.pipeline();
    const key = `throttle:${keyOf(prefix, k)}`;
    for (let i = 0; i < count; i += 500) {
      const args: (string | number)[] = [];
      for (let j = i; j < Math.min(count, i + 500); j++)
        args.push(nowUs - j * 10, `${nowUs - j * 10}:AbCdEfGh:${(k * count + j).toString(36)}`);
      pipeline.zadd(key, ...args);
    }
    pipeline.pexpire(key, WINDOW_MS);
    await pipeline.exec();
  }
}

/** Fills `keys` GCRA keys `debtIntervals` emission intervals in debt, as the store writes them (tat in µs, TTL until tat). */
async function fillBuckets(admin: Redis, prefix: string, keys: number, limit: number, debtIntervals: number): Promise<void> {
  const debtUs = debtIntervals * Math.ceil((WINDOW_MS * 1000) / limit);
  for (let k = 0; k < keys; k += 1000) {
    const pipeline = admin.pipeline();
    const nowUs = Date.now() * 1000;
    for (let j = k; j < Math.min(keys, k + 1000); j++) {
      pipeline.set(`throttle:${keyOf(prefix, j)}`, String(nowUs + debtUs), 'PX', Math.max(1, Math.ceil(debtUs / 1000)));
    }
    await pipeline.exec();
  }
}

async function decide(store: RedisThrottleStorage, rules: (k: number) => ThrottleRule, keys: number, decisions: number): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < decisions) await store.consume({ rules: [rules(next++ % keys)] });
  };
  await Promise.all(Array.from({ length: 128 }, loop));
}

async function measure(
  redis: Awaited<ReturnType<typeof startPrivateRedis>>,
  store: RedisThrottleStorage,
  algorithm: Algorithm,
  { limit, keys: logKeys, decisions }: (typeof PLAN)[number],
): Promise<string> {
  const gcra = algorithm === 'gcra';
  const keys = gcra ? GCRA_KEYS : logKeys;
  const fill = (prefix: string, count: number) =>
    gcra ? fillBuckets(redis.admin, prefix, keys, limit, count) : fillLogs(redis.admin, prefix, keys, count);
  const tag = `${gcra ? 'g' : 's'}${limit}`;
  await redis.admin.flushall();
  const before = await usedMemory(redis.admin);
  await fill(`m${tag}`, limit);
  const bytesPerKey = ((await usedMemory(redis.admin)) - before) / keys;
  await redis.admin.flushall();
  await fill(`c${tag}`, Math.floor(limit / 2));
  // A limit (sliding log) or burst (GCRA) no decision reaches: every decision admits and writes, as in use.
  const rule = (k: number): ThrottleRule =>
    gcra
      ? { key: keyOf(`c${tag}`, k), limit, windowMs: WINDOW_MS, algorithm, burst: limit * 1_000 }
      : { key: keyOf(`c${tag}`, k), limit: limit * 1_000, windowMs: WINDOW_MS };
  const cpuBefore = await cpuUs(redis.admin);
  await decide(store, rule, Math.min(keys, logKeys), decisions);
  const usPerDecision = ((await cpuUs(redis.admin)) - cpuBefore) / decisions;
  const cores = (1e6 * (limit / (WINDOW_MS / 1000)) * usPerDecision) / 1e6;
  const gb = ((bytesPerKey * 1e6) / 1e9).toFixed(gcra ? 3 : 2);
  return `| ${algorithm} | ${limit} | ${keys} | ${Math.round(bytesPerKey)} | ${gb} | ${usPerDecision.toFixed(1)} | ${cores.toFixed(1)} |`;
}

async function main(): Promise<void> {
  installCleanup();
  const redis = await startPrivateRedis();
  const store = RedisThrottleStorage.fromConnection(connectRedis({ kind: 'url', url: redis.url }, 'throttle:'));
  await store.open();
  const rows = [
    '| algorithm | limit | keys measured | bytes/key (used_memory) | GB per 1 M keys | Redis CPU µs/decision | cores for 1 M keys at full rate |',
    '|:--|--:|--:|--:|--:|--:|--:|',
  ];
  try {
    for (const step of PLAN) for (const algorithm of ALGORITHMS) rows.push(await measure(redis, store, algorithm, step));
  } finally {
    await store.close();
    await redis.stop();
  }
  process.stdout.write(`Redis ${redis.version}, window 60 s\n\n${rows.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
