import type { ThrottleClock } from '../../clock';
import { CircuitBreaker, CircuitBreakerOptions, CircuitState } from '../circuit-breaker';
import { withTimeout } from './store-timeout';

/** A store call's outcome under a shard's breaker and the timeout: its value, or failed (already counted). */
export type Attempt<T> = { ok: true; value: T } | { ok: false };

/** A breaker moved: on which shard ('' for a store that is not sharded), from, to, why. */
export type ShardCircuitChange = (shard: string, from: CircuitState, to: CircuitState, reason: string) => void;

const SEVERITY: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * One {@link CircuitBreaker} per shard of the store (issue 23): on a Redis Cluster, per master
 * (`host:port`), so a failing master sends only the requests on its slots to the failure policy; a
 * store that is not sharded has one, named ''. Breakers are made on first use; a shard that no longer
 * exists (its slots moved) is {@link forget}-ten.
 *
 * @example
 * const breakers = new ShardBreakers(clock, {}, (shard, from, to) => log(shard, from, to));
 * if (breakers.of('10.0.0.7:6379').tryAcquire()) { ... }
 */
export class ShardBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly clock: ThrottleClock,
    private readonly options: CircuitBreakerOptions | undefined,
    private readonly onChange: ShardCircuitChange,
  ) {}

  /** The breaker of `shard`, made closed on first use. */
  of(shard: string): CircuitBreaker {
    let breaker = this.breakers.get(shard);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.clock, this.options, (from, to, reason) => this.onChange(shard, from, to, reason));
      this.breakers.set(shard, breaker);
    }
    return breaker;
  }

  /** Runs `call` on `shard` within its breaker and `timeoutMs`; a failure goes to `onFailure` (which counts it) and gives `{ ok: false }`. */
  async attempt<T>(shard: string, timeoutMs: number, call: () => Promise<T>, onFailure: (error: unknown) => void): Promise<Attempt<T>> {
    const breaker = this.of(shard);
    if (!breaker.tryAcquire()) return { ok: false };
    try {
      const value = await withTimeout(call(), timeoutMs);
      breaker.onSuccess();
      return { ok: true, value };
    } catch (error) {
      onFailure(error);
      return { ok: false };
    }
  }

  /** The worst state over every shard: `open` if any is open, else `half-open` if any probes, else `closed`. */
  get state(): CircuitState {
    let worst: CircuitState = 'closed';
    for (const breaker of this.breakers.values()) if (SEVERITY[breaker.state] > SEVERITY[worst]) worst = breaker.state;
    return worst;
  }

  /** The shards whose circuit is not closed, '' excluded (the store as a whole is reported by {@link state}). */
  get down(): string[] {
    return [...this.breakers].filter(([shard, breaker]) => shard !== '' && breaker.state !== 'closed').map(([shard]) => shard);
  }

  /** Closes `shard`'s circuit now (it answers again). */
  close(shard: string, reason: string): void {
    this.breakers.get(shard)?.close(reason);
  }

  /** Closes every circuit now (the client is ready again as a whole). */
  closeAll(reason: string): void {
    for (const breaker of this.breakers.values()) breaker.close(reason);
  }

  /** Closes `shard`'s circuit and drops its breaker: its slots are served elsewhere now. */
  forget(shard: string, reason: string): void {
    this.close(shard, reason);
    this.breakers.delete(shard);
  }
}
