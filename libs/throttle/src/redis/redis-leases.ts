import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { StoreTime } from '../clock';
import type { OnStoreError } from '../storage/resilient/resilient-options';
import { describeError, withTimeout } from '../storage/resilient/store-timeout';
import { ThrottleStoreUnavailableError } from '../storage/throttle-storage';
import { LEASE_COMMAND, LEASE_SCRIPT } from './lease.script';
import { LeaseAnswer, LeaseRule, LeaseStore, NO_RELEASE } from '../concurrency/lease-store';

/** Options of {@link RedisLeaseStore}: the module passes its failure policy's. */
export interface RedisLeaseStoreOptions {
  /** Where leases go while Redis cannot answer under `local` (this process's share of each limit). */
  readonly fallback: LeaseStore;
  readonly policy?: OnStoreError;
  readonly timeoutMs?: number;
  /** Processes sharing the store: the `local` fallback holds each to `ceil(limit / instances)`. */
  readonly instances?: number;
  /** Whether the rate store's circuit is open (Redis known down): skip Redis and pay no timeout. */
  readonly degraded?: () => boolean;
  /** A test clock's time instead of Redis `TIME`. */
  readonly storeTime?: StoreTime;
}

/**
 * Leases in Redis: one sorted set per (scope, client) run through {@link LEASE_SCRIPT}, released by
 * `ZREM`. Under the module's failure policy: a call that fails or takes longer than the store timeout
 * (or any call while the rate store's circuit is open) is decided by `onStoreError`: `local` (this
 * process's memory leases, each limit divided by `instances`), `allow` (admitted, no lease) or `deny`
 * (the 503). A release that cannot reach Redis is dropped: the lease expires after its `leaseMs`.
 *
 * @example
 * const leases = new RedisLeaseStore(client, { fallback: new MemoryLeaseStore(clock), policy: 'local', instances: 4 });
 */
export class RedisLeaseStore extends LeaseStore {
  private readonly logger = new Logger('Throttle');
  private failing = false;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly options: RedisLeaseStoreOptions,
  ) {
    super();
    client.defineCommand(LEASE_COMMAND, { numberOfKeys: 1, lua: LEASE_SCRIPT });
  }

  override acquire(rule: LeaseRule, id: string): LeaseAnswer | Promise<LeaseAnswer> {
    if (this.options.degraded?.() === true) return this.undecided(rule, id);
    const time = this.options.storeTime;
    const call = this.client.throttleLease(
      rule.key,
      time ? String(Math.floor(time.now())) : '',
      rule.limit,
      rule.leaseMs,
      id,
      time?.ttlSlackMs ?? 0,
    );
    return withTimeout(call, this.options.timeoutMs ?? 100).then(
      ([admitted, held, expired]) => {
        if (this.failing) this.logger.log('concurrency leases: Redis answers again, shared limits resumed');
        this.failing = false;
        const release = admitted === 1 ? this.releaser(rule.key, id) : NO_RELEASE;
        return { allowed: admitted === 1, held, limit: rule.limit, expired, release };
      },
      (error: unknown) => {
        if (!this.failing)
          this.logger.warn(`concurrency leases: Redis failed (${describeError(error)}); deciding by onStoreError "${this.policy}"`);
        this.failing = true;
        return this.undecided(rule, id);
      },
    );
  }

  private get policy(): OnStoreError {
    return this.options.policy ?? 'local';
  }

  /** A lease Redis cannot decide: this process's share (`local`), admitted without a lease (`allow`), or the 503 (`deny`). */
  private undecided(rule: LeaseRule, id: string): LeaseAnswer | Promise<LeaseAnswer> {
    if (this.policy === 'deny') throw new ThrottleStoreUnavailableError('concurrency leases: the store cannot decide');
    if (this.policy === 'allow') return { allowed: true, held: 1, limit: rule.limit, expired: 0, release: NO_RELEASE };
    const share = Math.max(1, Math.ceil(rule.limit / (this.options.instances ?? 1)));
    return this.options.fallback.acquire({ ...rule, limit: share }, id);
  }

  private releaser(key: string, id: string): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.client.zrem(key, id).catch(() => undefined); // unreachable: the lease expires after leaseMs
    };
  }
}
