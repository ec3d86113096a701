import { readFileSync } from 'node:fs';
import type { RedisStoreOptions } from 'nest-scoped-throttle';
import type { DemoEnv } from './demo-env';

/** Thrown when a Redis setting of the environment cannot be used (e.g. an unreadable REDIS_TLS_CA); names the variable. */
export class DemoRedisEnvError extends Error {
  override readonly name = 'DemoRedisEnvError';
}

/**
 * The `redis` module options from the environment: Sentinel (REDIS_SENTINELS), Cluster
 * (REDIS_CLUSTER_NODES) or one Redis (REDIS_URL), with REDIS_USERNAME/REDIS_PASSWORD,
 * REDIS_SENTINEL_USERNAME/REDIS_SENTINEL_PASSWORD, REDIS_TLS_CA and REDIS_WAIT_REPLICAS.
 * The module validates the result (a REDIS_TLS_CA with a redis:// URL is refused there, by name).
 *
 * @example
 * demoRedisOptions({ ...env, redisSentinels: ['10.0.0.1:26379'], redisSentinelName: 'mymaster' })
 * // { sentinels: ['10.0.0.1:26379'], name: 'mymaster' }
 */
export function demoRedisOptions(env: DemoEnv): RedisStoreOptions {
  const options: RedisStoreOptions = env.redisSentinels
    ? { sentinels: env.redisSentinels, name: env.redisSentinelName }
    : env.redisClusterNodes
      ? { clusterNodes: env.redisClusterNodes }
      : { url: env.redisUrl };
  if (env.redisUsername !== undefined) options.username = env.redisUsername;
  if (env.redisPassword !== undefined) options.password = env.redisPassword;
  if (env.redisSentinels && env.redisSentinelUsername !== undefined) options.sentinelUsername = env.redisSentinelUsername;
  if (env.redisSentinels && env.redisSentinelPassword !== undefined) options.sentinelPassword = env.redisSentinelPassword;
  if (env.redisTlsCa !== undefined) options.tls = { ca: readCa(env.redisTlsCa) };
  if (env.redisWaitReplicas !== undefined) options.waitReplicas = env.redisWaitReplicas;
  return options;
}

/** The store as the boot line shows it (no secrets). */
export function describeDemoRedis(env: DemoEnv): string {
  const tls = env.redisTlsCa !== undefined ? ' (tls)' : '';
  const user = env.redisUsername !== undefined ? ` as ${env.redisUsername}` : '';
  if (env.redisSentinels) return `sentinel ${env.redisSentinelName}${tls} via ${env.redisSentinels.join(',')}${user}`;
  if (env.redisClusterNodes) return `cluster${tls} ${env.redisClusterNodes.join(',')}${user}`;
  return `${redactedUrl(env.redisUrl)}${tls}${user}`;
}

/** REDIS_URL with its credentials masked whatever the password holds (`/`, `@`, `%`): everything up to the last `@`. */
function redactedUrl(url: string): string {
  const start = url.indexOf('//');
  const at = url.lastIndexOf('@');
  return start >= 0 && at > start ? `${url.slice(0, start + 2)}***@${url.slice(at + 1)}` : url;
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DemoRedisEnvError(`REDIS_TLS_CA=${JSON.stringify(path)}: cannot read the CA file: ${(error as Error).message}`);
  }
}
