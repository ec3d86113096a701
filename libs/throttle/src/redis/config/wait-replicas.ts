/** `WAIT replicas timeoutMs` after every script: admissions acknowledged by replicas before the answer. */
export interface ReplicaWait {
  readonly replicas: number;
  readonly timeoutMs: number;
}

const MAX_REPLICAS = 64;

/**
 * Validates `redis.waitReplicas` (a replica count, 1-64) and `redis.waitTimeoutMs` (whole
 * milliseconds below `storeTimeoutMs`; default half of it): a WAIT that outlasts the store timeout
 * would turn every slow acknowledgement into a store error. Undefined when `waitReplicas` is unset.
 *
 * @example
 * compileReplicaWait({ waitReplicas: 1 }, 100, problems); // { replicas: 1, timeoutMs: 50 }
 */
export function compileReplicaWait(redis: unknown, storeTimeoutMs: number, problems: string[]): ReplicaWait | undefined {
  if (redis === null || typeof redis !== 'object') return undefined;
  const { waitReplicas, waitTimeoutMs } = redis as { waitReplicas?: unknown; waitTimeoutMs?: unknown };
  if (waitReplicas === undefined) {
    if (waitTimeoutMs !== undefined)
      problems.push('redis.waitTimeoutMs applies only with redis.waitReplicas (e.g. { waitReplicas: 1, waitTimeoutMs: 50 })');
    return undefined;
  }
  const before = problems.length;
  if (!Number.isInteger(waitReplicas) || (waitReplicas as number) < 1 || (waitReplicas as number) > MAX_REPLICAS) {
    problems.push(`redis.waitReplicas must be a whole number of replicas from 1 to ${MAX_REPLICAS}, got ${JSON.stringify(waitReplicas)}`);
  }
  const limit = Math.ceil(storeTimeoutMs) - 1;
  const timeoutMs = waitTimeoutMs ?? Math.max(1, Math.floor(storeTimeoutMs / 2));
  if (!Number.isInteger(timeoutMs) || (timeoutMs as number) < 1 || (timeoutMs as number) > limit) {
    problems.push(
      `redis.waitTimeoutMs must be whole milliseconds from 1 to ${limit} (below storeTimeoutMs ${storeTimeoutMs}, ` +
        `or every slow acknowledgement becomes a store error), got ${JSON.stringify(waitTimeoutMs)}`,
    );
  }
  return problems.length === before ? { replicas: waitReplicas as number, timeoutMs: timeoutMs as number } : undefined;
}
