import type { CircuitState } from '../circuit-breaker';
import { describeError, StoreTimeoutError } from './store-timeout';
import { DecisionSource, FallbackReason, StoreEventHub, ThrottleStoreStats } from '../store-events';
import type { ThrottleDecision, ThrottleRequest } from '../throttle-storage';

/**
 * What `ResilientThrottleStorage` tells of itself: running totals (decisions by source, deny-cache hits,
 * store errors, timeouts, circuit openings) and the events for metrics (`subscribe`).
 */
export class StoreTally {
  readonly events = new StoreEventHub();
  private readonly counters: ThrottleStoreStats = {
    decisions: 0,
    storeDecisions: 0,
    policyDecisions: 0,
    denyCacheHits: 0,
    storeErrors: 0,
    timeouts: 0,
    circuitOpens: 0,
  };

  /** Running totals since start (decisions by source, store errors, timeouts, circuit openings). */
  stats(): Readonly<ThrottleStoreStats> {
    return { ...this.counters };
  }

  /** Counts a decision by its source and publishes it (with its latency since `started`); returns it. */
  decided(source: DecisionSource, decision: ThrottleDecision, started: number, reason?: FallbackReason): ThrottleDecision {
    this.counters.decisions += 1;
    if (source === 'store') this.counters.storeDecisions += 1;
    else if (source === 'policy') this.counters.policyDecisions += 1;
    if (this.events.active) {
      this.events.emit('decision', { source, allowed: decision.allowed, latencyMs: performance.now() - started, reason });
    }
    return decision;
  }

  /** Counts a refusal the deny cache gave and publishes the key that refused. */
  denyCacheHit(request: ThrottleRequest, cached: ThrottleDecision): void {
    this.counters.denyCacheHits += 1;
    if (this.events.active) {
      const full = cached.states.findIndex((state) => state.retryAfterMs > 0);
      this.events.emit('denyCacheHit', { key: request.rules[full].key });
    }
  }

  /** Counts a failed store call (a timeout too) and publishes it; returns its reason. */
  storeError(error: unknown, shard: string): string {
    this.counters.storeErrors += 1;
    if (error instanceof StoreTimeoutError) this.counters.timeouts += 1;
    const reason = describeError(error);
    this.events.emit('storeError', { reason, error, ...(shard === '' ? {} : { shard }) });
    return reason;
  }

  /** Counts a circuit opening and publishes the change. */
  circuitChange(shard: string, from: CircuitState, to: CircuitState, reason: string): void {
    if (to === 'open') this.counters.circuitOpens += 1;
    this.events.emit('circuitChange', { from, to, reason, ...(shard === '' ? {} : { shard }) });
  }
}
