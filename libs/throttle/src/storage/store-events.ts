import type { CircuitState } from './circuit-breaker';

/** Where a decision came from: the shared store, the local deny cache, or the `onStoreError` policy. */
export type DecisionSource = 'store' | 'deny-cache' | 'policy';

/**
 * Why the policy decided instead of the store: its circuit was open (`circuit_open`: the store, or on a
 * cluster the request's master, is known to be down), or the call just failed (`store_error`) or timed out (`timeout`).
 */
export type FallbackReason = 'circuit_open' | 'store_error' | 'timeout';

/** One decision of the resilient store. */
export interface DecisionEvent {
  readonly source: DecisionSource;
  readonly allowed: boolean;
  /** Wall time the decision took, store round trip included (ms, fractional). */
  readonly latencyMs: number;
  /** For a `policy` decision: why the store did not decide. */
  readonly reason?: FallbackReason;
}

/** A store call that failed or timed out (the request was then decided by policy). */
export interface StoreErrorEvent {
  /** Short and loggable: an error code (`ECONNREFUSED`), `timeout after 100 ms`, or the message. */
  readonly reason: string;
  readonly error: unknown;
  /** On a Redis Cluster, the master (`host:port`) the request went to. */
  readonly shard?: string;
}

/** The circuit breaker moved. */
export interface CircuitChangeEvent {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: string;
  /** On a Redis Cluster, the master (`host:port`) whose circuit moved; absent for the store as a whole. */
  readonly shard?: string;
}

/** The memory store's per-scope bound dropped a log that still held an admission inside its window. */
export interface EvictionEvent {
  /** The evicted key's scope; '' for a key outside the `<scope>:{…}` format. */
  readonly scope: string;
}

/**
 * Hooks a metrics layer subscribes to (every callback optional); called synchronously on the hot path,
 * so keep them cheap. A throwing listener is ignored, never fails a request.
 *
 * @example
 * const hits = new Counter({ name: 'throttle_deny_cache_hits_total', help: '...' });
 * storage.subscribe({ denyCacheHit: () => hits.inc(), circuitChange: (e) => state.set(e.to === 'closed' ? 0 : 1) });
 */
export interface ThrottleStoreEvents {
  decision?(event: DecisionEvent): void;
  storeError?(event: StoreErrorEvent): void;
  circuitChange?(event: CircuitChangeEvent): void;
  denyCacheHit?(event: { readonly key: string }): void;
  /** From the memory store, and the `local` fallback's memory store (through the store wrapping it). */
  eviction?(event: EvictionEvent): void;
}

/** Running totals since start, for `/health` or a scrape. */
export interface ThrottleStoreStats {
  decisions: number;
  storeDecisions: number;
  policyDecisions: number;
  denyCacheHits: number;
  storeErrors: number;
  timeouts: number;
  circuitOpens: number;
}

/**
 * Fans events out to listeners; a failing listener is isolated.
 *
 * @example
 * const hub = new StoreEventHub();
 * const off = hub.subscribe({ storeError: (e) => console.warn(e.reason) });
 * hub.emit('storeError', { reason: 'ECONNREFUSED', error });
 * off();
 */
export class StoreEventHub {
  private listeners: ThrottleStoreEvents[] = [];

  subscribe(listener: ThrottleStoreEvents): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit<K extends keyof ThrottleStoreEvents>(name: K, event: Parameters<NonNullable<ThrottleStoreEvents[K]>>[0]): void {
    for (const listener of this.listeners) {
      try {
        (listener[name] as ((e: typeof event) => void) | undefined)?.call(listener, event);
      } catch {
        // a metrics bug must never fail a request
      }
    }
  }

  get active(): boolean {
    return this.listeners.length > 0;
  }
}
