import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { RedisEndpoint } from './config/redis-endpoints';
import type { RedisTarget } from './config/redis-options';
import type { RedisAuth } from './config/redis-security';

/**
 * The ioredis options of module-owned clients, per topology. A limiter must answer within its store
 * timeout whatever Redis does, so every connection fails fast and reconnects quickly:
 *
 * - `connectTimeout` 1 s per attempt (TCP, TLS and AUTH), then the next attempt;
 * - reconnect after 50, 100, ... ms, never more than 500 ms apart (Sentinel lookups alike), so a
 *   restarted or promoted master is found within about half a second of accepting connections;
 * - `socketTimeout`: a connection that has commands out and hears nothing for twice the store
 *   timeout (at least 2 s) is dropped and reconnected: a master that vanished without a TCP reset
 *   (host down, network partition) is otherwise waited on for many minutes;
 * - no offline queue, no retried or re-sent commands: a call made while disconnected fails at once
 *   and the failure policy decides;
 * - no `CLIENT SETINFO` on connect (`disableClientInfo`);
 * - `disconnectTimeout` 20 ms: a disconnect waits that long for the socket to close before destroying
 *   it (ioredis waits 2 s, on a timer that keeps the process alive when Redis is already gone).
 */
/** How long one connection attempt of a module-owned client may take (boot itself waits `storeBootTimeoutMs`). */
export const CONNECT_TIMEOUT_MS = 1_000;
/**
 * The longest pause between reconnection attempts: a Redis that accepts connections again is found
 * within this, and the store is back (client `ready`, script reloaded, circuit closed) soon after.
 */
export const RECONNECT_MAX_DELAY_MS = 500;
export const MIN_SOCKET_TIMEOUT_MS = 2_000;
export const DISCONNECT_TIMEOUT_MS = 20;

/** Delay before reconnect attempt `times` (1-based): 50, 100, ... capped at {@link RECONNECT_MAX_DELAY_MS}. */
export function reconnectDelay(times: number): number {
  return Math.min(50 * times, RECONNECT_MAX_DELAY_MS);
}

/** What the connection options depend on besides the target. */
export interface ConnectionTuning {
  /** The module's `keyPrefix`. */
  readonly keyPrefix: string;
  /** The store timeout (`storeTimeoutMs`); the socket timeout is derived from it. */
  readonly storeTimeoutMs: number;
}

/** Options every node connection gets, whatever the topology. */
function nodeOptions(tuning: ConnectionTuning): RedisOptions {
  return {
    connectTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: Math.max(MIN_SOCKET_TIMEOUT_MS, 2 * tuning.storeTimeoutMs),
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // No CLIENT SETINFO on connect: one round trip less before ready, and nothing a minimal ACL refuses.
    disableClientInfo: true,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
  };
}

/** Options of the client itself (not per node): lazy, prefixed, no offline queue. */
function clientOptions(tuning: ConnectionTuning): RedisOptions {
  return { keyPrefix: tuning.keyPrefix, lazyConnect: true, enableOfflineQueue: false };
}

/**
 * `new Redis(options)` for a URL: the URL is parsed here, so what the client gets is explicit (host,
 * port, ACL user, password, db, TLS for `rediss://` merged with `tls`).
 *
 * @example
 * singleNodeOptions({ kind: 'url', url: 'rediss://u:p@cache:6380/2' }, { keyPrefix: 'throttle:', storeTimeoutMs: 100 });
 * // { host: 'cache', port: 6380, username: 'u', password: 'p', db: 2, tls: {}, keyPrefix: 'throttle:', ... }
 */
export function singleNodeOptions(target: Extract<RedisTarget, { kind: 'url' }>, tuning: ConnectionTuning): RedisOptions {
  const url = new URL(target.url);
  const fromUrl: RedisAuth = url.password !== '' ? { password: decodeURIComponent(url.password) } : {};
  if (url.username !== '') Object.assign(fromUrl, { username: decodeURIComponent(url.username) });
  const db = url.pathname.replace(/^\//, '');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    ...fromUrl,
    ...target.auth,
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { ...target.tls } } : {}),
    ...clientOptions(tuning),
    ...nodeOptions(tuning),
    retryStrategy: reconnectDelay,
  };
}

/**
 * `new Redis(options)` for Sentinel: the sentinels are asked for the master of `name` at every
 * (re)connection, the role is checked on connect, and a `+switch-master` announced by a sentinel
 * makes the client reconnect to the new master at once (`failoverDetector`).
 */
export function sentinelOptions(target: Extract<RedisTarget, { kind: 'sentinel' }>, tuning: ConnectionTuning): RedisOptions {
  return {
    sentinels: target.sentinels.map(copy),
    name: target.name,
    role: 'master',
    ...target.auth,
    ...(target.sentinelAuth !== undefined
      ? { sentinelUsername: target.sentinelAuth.username, sentinelPassword: target.sentinelAuth.password }
      : {}),
    ...(target.tls !== undefined ? { tls: { ...target.tls }, enableTLSForSentinelMode: true } : {}),
    ...(target.sentinelTls !== undefined ? { sentinelTLS: { ...target.sentinelTls } } : {}),
    ...(target.natMap !== undefined ? { natMap: target.natMap } : {}),
    ...clientOptions(tuning),
    ...nodeOptions(tuning),
    retryStrategy: reconnectDelay,
    sentinelRetryStrategy: reconnectDelay,
    sentinelCommandTimeout: CONNECT_TIMEOUT_MS,
    failoverDetector: true,
  };
}

/**
 * `new Cluster(nodes, options)`: auth and TLS for every node; `natMap` for announced addresses; with
 * TLS, host names are connected to as given (not resolved first), so certificates issued for names verify.
 */
export function clusterOptions(target: Extract<RedisTarget, { kind: 'cluster' }>, tuning: ConnectionTuning): ClusterOptions {
  const { keyPrefix, lazyConnect, enableOfflineQueue } = clientOptions(tuning);
  return {
    keyPrefix,
    lazyConnect,
    enableOfflineQueue,
    redisOptions: {
      ...nodeOptions(tuning),
      ...target.auth,
      ...(target.tls !== undefined ? { tls: { ...target.tls } } : {}),
    },
    ...(target.natMap !== undefined ? { natMap: target.natMap } : {}),
    ...(target.tls !== undefined
      ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) }
      : {}),
    clusterRetryStrategy: (times: number) => Math.min(100 + reconnectDelay(times), 1_000),
    retryDelayOnFailover: 50,
    retryDelayOnClusterDown: 50,
    slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
  };
}

function copy(endpoint: RedisEndpoint): { host: string; port: number } {
  return { host: endpoint.host, port: endpoint.port };
}

/** Where a target points, safe to log: no password, TLS shown. */
export function describeTarget(target: Exclude<RedisTarget, { kind: 'client' }>): string {
  const list = (endpoints: readonly RedisEndpoint[]) =>
    endpoints.map((e) => (e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`)).join(',');
  const user = target.auth?.username !== undefined ? ` as ${target.auth.username}` : '';
  if (target.kind === 'cluster') return `cluster${target.tls ? ' (tls)' : ''} ${list(target.nodes)}${user}`;
  if (target.kind === 'sentinel') return `sentinel ${target.name}${target.tls ? ' (tls)' : ''} via ${list(target.sentinels)}${user}`;
  const url = new URL(target.url);
  if (url.password !== '') url.password = '***';
  return `${url.toString()}${user}`;
}
