import type { Cluster, Redis } from 'ioredis';

/**
 * Checks `redis.client`, an app-owned client: an ioredis `Redis` or `Cluster` (duck-typed) created with
 * `enableOfflineQueue: false`; pushes one readable line per problem and returns the client target or undefined.
 */
export function compileClient(
  client: unknown,
  problems: string[],
): { readonly kind: 'client'; readonly client: Redis | Cluster } | undefined {
  // Duck-typed, so validating options never loads ioredis (and any copy of it is accepted).
  const looksLikeClient = typeof (client as Redis | undefined)?.defineCommand === 'function';
  if (!looksLikeClient) {
    problems.push('redis.client must be an ioredis Redis or Cluster instance');
    return undefined;
  }
  // With the offline queue on, calls made during an outage wait, then replay stale scripts on reconnect.
  if ((client as Redis | Cluster).options?.enableOfflineQueue !== false) {
    problems.push(
      'redis.client must be created with { enableOfflineQueue: false } (calls must fail fast while Redis is down, not queue and replay)',
    );
    return undefined;
  }
  return { kind: 'client', client: client as Redis | Cluster };
}
