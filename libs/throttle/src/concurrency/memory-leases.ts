import type { ThrottleClock } from '../clock';
import { LeaseAnswer, LeaseRule, LeaseStore, NO_RELEASE } from './lease-store';

/**
 * Leases in this process's memory: per key a map of lease id to expiry (the clock's ms). An acquire
 * first drops the key's expired leases (counting them), then takes one if fewer than the limit are
 * live. A key's map goes when its last lease is released, so memory follows the requests in flight.
 *
 * @example
 * const leases = new MemoryLeaseStore(clock);
 * const a = leases.acquire({ key: 'k', limit: 1, leaseMs: 30_000, scope: 'export' }, 'r1'); // allowed
 * leases.acquire({ key: 'k', limit: 1, leaseMs: 30_000, scope: 'export' }, 'r2');            // refused until a.release()
 */
export class MemoryLeaseStore extends LeaseStore {
  private readonly sets = new Map<string, Map<string, number>>();

  constructor(private readonly clock: ThrottleClock) {
    super();
  }

  override acquire(rule: LeaseRule, id: string): LeaseAnswer {
    const now = this.clock.now();
    let set = this.sets.get(rule.key);
    let expired = 0;
    if (set !== undefined) {
      for (const [held, expiresAt] of set)
        if (expiresAt <= now) {
          set.delete(held);
          expired++;
        }
    }
    const live = set?.size ?? 0;
    if (live >= rule.limit) return { allowed: false, held: live, limit: rule.limit, expired, release: NO_RELEASE };
    if (set === undefined) this.sets.set(rule.key, (set = new Map()));
    set.set(id, now + rule.leaseMs);
    const owned = set;
    const release = (): void => {
      owned.delete(id);
      if (owned.size === 0 && this.sets.get(rule.key) === owned) this.sets.delete(rule.key);
    };
    return { allowed: true, held: live + 1, limit: rule.limit, expired, release };
  }

  /** Live and expired-but-unswept leases of a key (tests, metrics). */
  size(key: string): number {
    return this.sets.get(key)?.size ?? 0;
  }
}
