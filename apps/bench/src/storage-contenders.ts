/**
 * The stores S3 compares, each behind one function `decide(i)` over the same 10 000 keys under
 * their limit: our memory store (sync and promise), our Redis store (module client, unbatched, as the
 * module builds it, autopipelining client) and rate-limiter-flexible's RateLimiterMemory and RateLimiterRedis.
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { MemoryThrottleStorage, RedisThrottleStorage, ThrottleRequest } from 'nest-scoped-throttle';
// Internals S3 drives directly (the store exactly as the module builds it), imported from the library's source.
import { MonotonicClock } from '../../../libs/throttle/src/clock';
import { createThrottleStorage } from '../../../libs/throttle/src/module/create-storage';
import { normalizeOptions } from '../../../libs/throttle/src/options/normalize-options';
import { connectRedis } from '../../../libs/throttle/src/redis/redis-connection';
import { ResilientThrottleStorage } from '../../../libs/throttle/src/storage/resilient/resilient.storage';
import { hashIdentity } from '../../../libs/throttle/src/storage/store-key';

/** Keys, limit and window of S3 (like S1: many identities, all under their limit). */
export const S3_KEYS = 10_000;
const LIMIT = 1_000_000;
const WINDOW_MS = 60_000;
const ids = Array.from({ length: S3_KEYS }, (_, i) => hashIdentity(`h:${i}`));
const requests: ThrottleRequest[] = ids.map((id) => ({ rules: [{ key: `hi:{${id}}`, limit: LIMIT, windowMs: WINDOW_MS }] }));

/** One decision for key `i % S3_KEYS`; a promise for async stores. */
export type Decide = (i: number) => unknown;

/** A store under test. */
export interface Contender {
  readonly name: string;
  /** `sync`: timed in a tight loop; `async`: N closed loops; `redis`: async, with Redis counters around it. */
  readonly mode: 'sync' | 'async' | 'redis';
  /** A decide function for one round: memory stores start empty every round (bounded memory); Redis ones are flushed by the caller. */
  round(): Decide;
}

/** The contenders, with their Redis connections open, and how to close them. */
export interface Contenders {
  readonly list: readonly Contender[];
  /** Decisions the failure-policy store made without Redis (must be 0 for a fair figure). */
  offRedis(): string | undefined;
  close(): Promise<void>;
}

function plainClient(url: string, extra: Record<string, unknown> = {}): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, ...extra });
  client.on('error', () => undefined);
  return client;
}

/** Opens every contender against the Redis at `url`. */
export async function openContenders(url: string): Promise<Contenders> {
  const moduleClient = RedisThrottleStorage.fromConnection(connectRedis({ kind: 'url', url }, 'throttle:'));
  await moduleClient.open();
  const moduleStore = createThrottleStorage(normalizeOptions({ scopes: { hi: `${LIMIT}/m` }, redis: { url } }), new MonotonicClock());
  if (!(moduleStore instanceof ResilientThrottleStorage))
    throw new Error('createThrottleStorage with redis did not give the failure-policy store');
  await moduleStore.onApplicationBootstrap();
  const unbatchedStore = RedisThrottleStorage.fromConnection(connectRedis({ kind: 'url', url }, 'throttle:'), { batching: false });
  await unbatchedStore.open();
  const autoClient = plainClient(url, { keyPrefix: 'throttle:', enableAutoPipelining: true });
  const autoStore = new RedisThrottleStorage(autoClient);
  const rlfClient = plainClient(url);
  const rlfRedis = new RateLimiterRedis({ storeClient: rlfClient, points: LIMIT, duration: WINDOW_MS / 1000, keyPrefix: 'rlf' });
  const memory = () => new MemoryThrottleStorage({ maxKeys: S3_KEYS * 2 });
  const list: Contender[] = [
    {
      name: 'ours memory, decideSync',
      mode: 'sync',
      round: () => {
        const store = memory();
        return (i) => store.decideSync(requests[i % S3_KEYS]);
      },
    },
    {
      name: 'ours memory, consume (promise)',
      mode: 'async',
      round: () => {
        const store = memory();
        return (i) => store.consume(requests[i % S3_KEYS]);
      },
    },
    {
      name: 'rate-limiter-flexible RateLimiterMemory',
      mode: 'async',
      round: () => {
        const limiter = new RateLimiterMemory({ points: LIMIT, duration: WINDOW_MS / 1000 });
        return (i) => limiter.consume(ids[i % S3_KEYS]);
      },
    },
    {
      name: 'ours redis, RedisThrottleStorage (module client)',
      mode: 'redis',
      round: () => (i) => moduleClient.consume(requests[i % S3_KEYS]),
    },
    {
      name: 'ours redis, unbatched (one script call per request, as before issue 10)',
      mode: 'redis',
      round: () => (i) => unbatchedStore.consume(requests[i % S3_KEYS]),
    },
    {
      name: 'ours redis, as the module builds it (+ failure policy)',
      mode: 'redis',
      round: () => (i) => moduleStore.consume(requests[i % S3_KEYS]),
    },
    {
      name: 'ours redis, RedisThrottleStorage (autopipelining client)',
      mode: 'redis',
      round: () => (i) => autoStore.consume(requests[i % S3_KEYS]),
    },
    { name: 'rate-limiter-flexible RateLimiterRedis', mode: 'redis', round: () => (i) => rlfRedis.consume(ids[i % S3_KEYS]) },
  ];
  return {
    list,
    offRedis: () => {
      const stats = moduleStore.stats();
      const off = stats.decisions - stats.storeDecisions;
      return off > 0 ? `${off} of ${stats.decisions} decided without Redis (${stats.timeouts} timeouts)` : undefined;
    },
    close: async () => {
      await moduleClient.close();
      await unbatchedStore.close();
      await moduleStore.onApplicationShutdown();
      autoClient.disconnect();
      rlfClient.disconnect();
    },
  };
}
