import type { Cluster, Redis } from 'ioredis';
import { checkKnownKeys } from './known-keys';

/**
 * Where the Redis store connects: exactly one of `client`, `url`, `clusterNodes`.
 *
 * @example
 * { url: 'rediss://:secret@cache.internal:6380/2' }
 * { clusterNodes: ['10.0.0.1:6379', '10.0.0.2:6379', '10.0.0.3:6379'] }
 * { client: app.get(MyRedis) } // app-owned: never closed by the store; its own keyPrefix applies
 */
export interface RedisStoreOptions {
  /** A client the app owns (`Redis` or `Cluster`). The store never closes it, and keys get the client's own `keyPrefix` (the module `keyPrefix` is not applied). Give it `enableOfflineQueue: false` so calls fail fast while it is disconnected. */
  client?: Redis | Cluster;
  /** `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS). The module creates, owns and quits the client. */
  url?: string;
  /** Redis Cluster seed nodes as `host:port`; the module creates, owns and quits the `Cluster` client. */
  clusterNodes?: string[];
}

/** The Redis options after validation: one variant, decided once at boot. */
export type RedisTarget =
  | { readonly kind: 'client'; readonly client: Redis | Cluster }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly { host: string; port: number }[] };

/**
 * Validates `redis` options, pushing one readable line per problem; returns the target or undefined.
 *
 * @example
 * const problems: string[] = [];
 * compileRedisOptions({ url: 'xyz' }, problems);
 * // problems: ['redis.url "xyz" is not a redis:// or rediss:// URL (e.g. redis://:password@host:6379/0)']
 */
export function compileRedisOptions(redis: unknown, problems: string[]): RedisTarget | undefined {
  if (redis === undefined) return undefined;
  if (redis === null || typeof redis !== 'object' || Array.isArray(redis)) {
    problems.push('redis must be an object with one of client, url or clusterNodes');
    return undefined;
  }
  checkKnownKeys(redis, ['client', 'url', 'clusterNodes'], 'redis option', problems);
  const { client, url, clusterNodes } = redis as RedisStoreOptions;
  const given = [client, url, clusterNodes].filter((v) => v !== undefined).length;
  if (given !== 1) {
    problems.push(`redis needs exactly one of client, url or clusterNodes (got ${given === 0 ? 'none' : 'several'})`);
    return undefined;
  }
  if (client !== undefined) return compileClient(client, problems);
  if (url !== undefined) return compileUrl(url, problems);
  return compileNodes(clusterNodes, problems);
}

function compileClient(client: unknown, problems: string[]): RedisTarget | undefined {
  // Duck-typed, so validating options never loads ioredis (and any copy of it is accepted).
  const looksLikeClient = typeof (client as Redis | undefined)?.defineCommand === 'function';
  if (!looksLikeClient) {
    problems.push('redis.client must be an ioredis Redis or Cluster instance');
    return undefined;
  }
  // With the offline queue on, calls made during an outage wait, then replay stale scripts on reconnect.
  if ((client as Redis | Cluster).options?.enableOfflineQueue !== false) {
    problems.push('redis.client must be created with { enableOfflineQueue: false } (calls must fail fast while Redis is down, not queue and replay)');
    return undefined;
  }
  return { kind: 'client', client: client as Redis | Cluster };
}

function compileUrl(url: unknown, problems: string[]): RedisTarget | undefined {
  const bad = (why: string) => {
    problems.push(`redis.url ${JSON.stringify(url)} ${why} (e.g. redis://:password@host:6379/0 or rediss://host:6380)`);
    return undefined;
  };
  if (typeof url !== 'string') return bad('must be a string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad('is not a redis:// or rediss:// URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return bad(`has scheme "${parsed.protocol}", expected redis: or rediss:`);
  if (parsed.hostname === '') return bad('has no host');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) return bad(`has database "${db}", expected a number`);
  return { kind: 'url', url };
}

function compileNodes(nodes: unknown, problems: string[]): RedisTarget | undefined {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    problems.push('redis.clusterNodes must be a non-empty list of "host:port", e.g. ["10.0.0.1:6379"]');
    return undefined;
  }
  const parsed: { host: string; port: number }[] = [];
  for (const node of nodes) {
    const match = typeof node === 'string' ? /^\[?([^\s[\]]+?)\]?:(\d{1,5})$/.exec(node.trim()) : null;
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65_535) {
      problems.push(`redis.clusterNodes entry ${JSON.stringify(node)} is not "host:port" (e.g. "10.0.0.1:6379")`);
      continue;
    }
    parsed.push({ host: match[1], port });
  }
  return parsed.length === nodes.length ? { kind: 'cluster', nodes: parsed } : undefined;
}
