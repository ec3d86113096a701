/**
 * Redis cost at scale (issue 10, item 4): `node dist/apps/bench/src/redis-scale.js` (after `npm run build`).
 * Starts the bench's private Redis and, per limit (10, 60, 1000, a 60 s window), measures:
 * - memory: `used_memory` before and after filling `keys` keys, each a full log (`limit` members shaped as
 *   the store writes them, ZADD in pipelines), scaled linearly to 1 M keys;
 * - CPU: Redis `INFO cpu` (user + sys) per decision over `decisions` decisions through the store (batched,
 *   128 in flight) on keys whose logs are half full (so every decision admits and writes), and what 1 M
 *   active keys cost if each decides at its full rate (limit per 60 s): cores = 1 M × limit / 60 × µs / 1e6.
 * Prints one markdown table. Measured, not modelled, except the linear scaling to 1 M keys.
 */
import type { Redis } from 'ioredis';
import { RedisThrottleStorage } from 'nest-scoped-throttle';
import { connectRedis } from '../../../libs/throttle/src/redis/redis-connection';
import { installCleanup } from './children';
import { startPrivateRedis } from './redis-admin';

const WINDOW_MS = 60_000;
const PLAN = [
  { limit: 10, keys: 20_000, decisions: 40_000 },
  { limit: 60, keys: 5_000, decisions: 40_000 },
  { limit: 1000, keys: 300, decisions: 40_000 },
];

async function usedMemory(admin: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1]);
}

async function cpuUs(admin: Redis): Promise<number> {
  const cpu = await admin.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
}

/** Fills `keys` logs of `count` members each, as the store writes them (score = µs, member = "<µs>:<instance>:<seq>"). */
async function fill(admin: Redis, prefix: string, keys: number, count: number): Promise<void> {
  const nowUs = Date.now() * 1000;
  for (let k = 0; k < keys; k++) {
    const pipeline = admin.pipeline();
    const key = `throttle:${prefix}:{${k.toString(36).padStart(27, '_')}}`;
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

async function decide(store: RedisThrottleStorage, prefix: string, keys: number, limit: number, decisions: number): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < decisions) {
      const k = next++ % keys;
      const key = `${prefix}:{${k.toString(36).padStart(27, '_')}}`;
      await store.consume({ rules: [{ key, limit, windowMs: WINDOW_MS }] });
    }
  };
  await Promise.all(Array.from({ length: 128 }, loop));
}

async function main(): Promise<void> {
  installCleanup();
  const redis = await startPrivateRedis();
  const store = RedisThrottleStorage.fromConnection(connectRedis({ kind: 'url', url: redis.url }, 'throttle:'));
  await store.open();
  const rows = [
    '| limit | keys measured | bytes/key (used_memory) | GB per 1 M keys | Redis CPU µs/decision | cores for 1 M keys at full rate |',
    '|--:|--:|--:|--:|--:|--:|',
  ];
  try {
    for (const { limit, keys, decisions } of PLAN) {
      await redis.admin.flushall();
      const before = await usedMemory(redis.admin);
      await fill(redis.admin, `m${limit}`, keys, limit);
      const bytesPerKey = ((await usedMemory(redis.admin)) - before) / keys;
      await redis.admin.flushall();
      await fill(redis.admin, `c${limit}`, keys, Math.floor(limit / 2));
      const cpuBefore = await cpuUs(redis.admin);
      await decide(store, `c${limit}`, keys, limit * 1_000, decisions); // a high limit: every decision admits, the log grows as in use
      const usPerDecision = ((await cpuUs(redis.admin)) - cpuBefore) / decisions;
      const cores = (1e6 * (limit / (WINDOW_MS / 1000)) * usPerDecision) / 1e6;
      rows.push(
        `| ${limit} | ${keys} | ${Math.round(bytesPerKey)} | ${((bytesPerKey * 1e6) / 1e9).toFixed(2)} | ${usPerDecision.toFixed(1)} | ${cores.toFixed(1)} |`,
      );
    }
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
