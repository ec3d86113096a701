/** One lease a request asks for: a slot in the lease set `key`, of which at most `limit` may be live. */
export interface LeaseRule {
  readonly key: string;
  readonly limit: number;
  readonly leaseMs: number;
  readonly scope: string;
}

/** A lease store's answer to one {@link LeaseRule}. */
export interface LeaseAnswer {
  readonly allowed: boolean;
  /** Leases live in the set after the answer (the new one included when allowed). */
  readonly held: number;
  /** The limit applied: the rule's, or this process's share of it under the `local` fallback. */
  readonly limit: number;
  /** Leases this call found expired (their holder never released them: it died, or outlived `leaseMs`), now removed. */
  readonly expired: number;
  /** Gives the lease back (allowed answers; idempotent, never throws). */
  readonly release: () => void;
}

/** Nothing to give back. */
export const NO_RELEASE = (): void => undefined;

/**
 * Where concurrency leases live: the memory store's map ({@link MemoryLeaseStore}) or a Redis sorted set
 * per (scope, client) ({@link RedisLeaseStore}). `acquire` takes a lease under `id` when fewer than `limit`
 * unexpired leases are held, atomically; the answer's `release` removes it. The module picks the store that
 * matches its rate store (`redis` configured: Redis, behind the same failure policy; else memory).
 *
 * @example
 * const answer = await leases.acquire({ key: 'export:{Xb3…}:lease', limit: 2, leaseMs: 30_000, scope: 'export' }, 'a1');
 * if (answer.allowed) response.once('close', answer.release);
 */
export abstract class LeaseStore {
  abstract acquire(rule: LeaseRule, id: string): LeaseAnswer | Promise<LeaseAnswer>;
}
