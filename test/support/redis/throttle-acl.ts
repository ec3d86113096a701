/**
 * The least a Redis ACL user of the store may be allowed (the README's "Minimal ACL"), pinned by
 * test/redis/tls-acl.spec.ts (works, and fails without any one command); the Sentinel and Cluster
 * failover tests run as such a user.
 *
 * - `info`: ioredis's ready check on connect (a master still loading its data is not used yet; with
 *   Sentinel, the check that the node is the master). Without it the store still decides, but
 *   ioredis skips both checks and warns on every connect;
 * - `eval`, `evalsha`: the script (ioredis sends EVAL on a new connection, then EVALSHA);
 * - `script|load`: the store loads its scripts at boot and after each reconnection, so the first
 *   decisions never pay for compiling them;
 * - `time`, `zremrangebyscore`, `zcard`, `zrange`, `zrangebyscore`, `zadd`, `pexpire`: what the scripts call
 *   for sliding logs, `get` and `set` for GCRA keys (ACLs are checked inside scripts too).
 */
export const STORE_COMMANDS = [
  'info',
  'eval',
  'evalsha',
  'script|load',
  'time',
  'zremrangebyscore',
  'zcard',
  'zrange',
  'zrangebyscore',
  'zadd',
  'pexpire',
  'get',
  'set',
] as const;

/**
 * Cluster adds what ioredis asks on connect (`CLUSTER SLOTS` for the slot map, `CLUSTER INFO` for its
 * ready check), ZREM and DEL (an admission withdrawn, from a log or a GCRA key, when scopes of one
 * request land in different slots).
 */
export const CLUSTER_COMMANDS = ['cluster|slots', 'cluster|info', 'zrem', 'del'] as const;

/** `waitReplicas` adds WAIT. */
export const WAIT_COMMANDS = ['wait'] as const;

/**
 * The ACL rule tokens of a user allowed exactly `commands` on keys starting with `keyPrefix`, for
 * `ACL SETUSER <tokens>` or `redis-server --user <tokens>`.
 *
 * @example
 * aclRule('throttle', 'pw', 'throttle:', STORE_COMMANDS);
 * // ['throttle', 'reset', 'on', '>pw', '~throttle:*', '+info', '+eval', ...]
 */
export function aclRule(user: string, password: string, keyPrefix: string, commands: readonly string[]): string[] {
  return [user, 'reset', 'on', `>${password}`, `~${keyPrefix}*`, ...commands.map((c) => `+${c}`)];
}
