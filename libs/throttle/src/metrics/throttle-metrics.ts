import type { OnApplicationShutdown } from '@nestjs/common';
import type { Counter, Gauge, Histogram, Metric, Registry } from 'prom-client';
import type { ThrottleStorage } from '../storage/throttle-storage';
import type { ControlAction, ControlCounter } from './control-counter';
import { DECISION_RESULTS as RESULTS, DecisionCounts, DecisionResult } from './decision-counts';
import { loadPromClient } from './load-prom-client';

export { loadPromClient } from './load-prom-client';

/** Options of {@link ThrottleMetrics}. */
export interface ThrottleMetricsOptions {
  /** Where the metrics register; default a registry of their own (never prom-client's global one). */
  registry?: Registry;
  /** Metric name prefix. Default `throttle_`. */
  prefix?: string;
}

/** What happened to one request under one scope. */
export type { DecisionResult };

export type { ControlAction };

/** Buckets of the store latency histogram, in seconds (Prometheus and OpenTelemetry alike). */
export const STORE_DURATION_BUCKETS_S: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/**
 * Prometheus metrics of the limiter (prom-client): decisions by scope and result, store latency,
 * store errors, fallback decisions, circuit state, deny-cache hits, and evictions of live logs by the
 * memory store's per-scope bound (`throttle_evictions_total{scope}`: nonzero means `memory.maxKeys` is
 * too small for that scope's identities, and evicted clients got a fresh budget). Mount `registry` on any route.
 *
 * Its lifetime is the app's: at shutdown ({@link close}) it unsubscribes from the stores it observes and
 * removes its metrics from `registry`, so an app-supplied registry (prom-client's global `register`
 * included) can serve the next boot in the same process (tests, hot reload); counts start again at 0.
 *
 * @example
 * @Get('metrics') async metrics(@Res() reply) {
 *   reply.header('content-type', this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
 * }
 */
export class ThrottleMetrics implements OnApplicationShutdown, ControlCounter {
  readonly registry: Registry;
  readonly decisions: Counter<'scope' | 'result'>;
  readonly storeDuration: Histogram<'store'>;
  readonly storeErrors: Counter<'store' | 'reason'>;
  readonly fallbackDecisions: Counter<'policy' | 'reason'>;
  readonly circuitOpen: Gauge;
  readonly circuitTransitions: Counter<'to'>;
  readonly denyCacheHits: Counter;
  readonly evictions: Counter<'scope'>;
  /** Decisions not yet folded into the counter (drained at each scrape). */
  private readonly counts = new DecisionCounts();
  private readonly controls: Counter<'scope' | 'action'>;
  /** Unsubscribe functions of {@link observe}, called by {@link close}. */
  private readonly subscriptions: (() => void)[] = [];

  constructor(options: ThrottleMetricsOptions = {}) {
    const { Counter, Gauge, Histogram, Registry } = loadPromClient();
    const p = options.prefix ?? 'throttle_';
    const registers = [(this.registry = options.registry ?? new Registry())];
    const pending = this.counts.byScope;
    this.decisions = new Counter({
      name: `${p}decisions_total`,
      help: 'Throttle decisions by scope and result (allowed, throttled, shadow_throttled, skipped)',
      labelNames: ['scope', 'result'],
      registers,
      // The hot path only bumps plain numbers (see countDecision); they reach the counter at scrape time.
      collect(this: Counter<'scope' | 'result'>) {
        for (const [scope, counts] of pending) {
          for (let r = 0; r < RESULTS.length; r++) {
            if (counts[r] > 0) this.labels(scope, RESULTS[r]).inc(counts[r]);
            counts[r] = 0;
          }
        }
      },
    });
    this.controls = new Counter({
      name: `${p}controls_total`,
      help: 'Units given back (refund: uncounted outcomes, ThrottleService.refund), blocks started, counters reset, by scope',
      labelNames: ['scope', 'action'],
      registers,
    });
    this.storeDuration = new Histogram({
      name: `${p}store_duration_seconds`,
      help: 'Time the shared store took to decide one request',
      labelNames: ['store'],
      buckets: [...STORE_DURATION_BUCKETS_S],
      registers,
    });
    this.storeErrors = new Counter({
      name: `${p}store_errors_total`,
      help: 'Shared-store calls that failed or timed out',
      labelNames: ['store', 'reason'],
      registers,
    });
    this.fallbackDecisions = new Counter({
      name: `${p}store_fallback_decisions_total`,
      help: 'Decisions made by the onStoreError policy instead of the shared store, by why (circuit_open, store_error, timeout)',
      labelNames: ['policy', 'reason'],
      registers,
    });
    this.circuitOpen = new Gauge({
      name: `${p}store_circuit_open`,
      help: '1 while the circuit breaker keeps requests off the shared store, else 0',
      registers,
    });
    this.circuitTransitions = new Counter({
      name: `${p}store_circuit_transitions_total`,
      help: 'Circuit breaker state changes, by the state entered',
      labelNames: ['to'],
      registers,
    });
    this.denyCacheHits = new Counter({
      name: `${p}deny_cache_hits_total`,
      help: 'Requests refused from the local deny cache without asking the shared store',
      registers,
    });
    this.evictions = new Counter({
      name: `${p}evictions_total`,
      help: 'Sliding logs the memory store (or the local fallback) evicted while they still held an admission inside their window, by scope',
      labelNames: ['scope'],
      registers,
    });
    this.circuitOpen.set(0);
  }

  /**
   * Counts what a store reports through its events (the Redis store: latency, errors, policy
   * decisions, circuit changes, deny-cache hits; the memory store and the local fallback: evictions of
   * live logs). Returns the unsubscribe function.
   */
  observe(storage: ThrottleStorage, policy: string, store = 'redis'): () => void {
    const duration = this.storeDuration.labels(store);
    const fallback = {
      circuit_open: this.fallbackDecisions.labels(policy, 'circuit_open'),
      store_error: this.fallbackDecisions.labels(policy, 'store_error'),
      timeout: this.fallbackDecisions.labels(policy, 'timeout'),
    };
    const evictions = new Map<string, Counter.Internal>();
    const unsubscribe = storage.subscribe({
      decision: (e) => {
        if (e.source === 'store') duration.observe(e.latencyMs / 1000);
        else if (e.source === 'policy') fallback[e.reason ?? 'store_error'].inc();
      },
      storeError: (e) => this.storeErrors.labels(store, e.reason.startsWith('timeout') ? 'timeout' : e.reason).inc(),
      circuitChange: (e) => {
        this.circuitTransitions.labels(e.to).inc();
        this.circuitOpen.set(e.to === 'closed' ? 0 : 1);
      },
      denyCacheHit: () => this.denyCacheHits.inc(),
      eviction: (e) => {
        let counter = evictions.get(e.scope);
        if (counter === undefined) evictions.set(e.scope, (counter = this.evictions.labels(e.scope)));
        counter.inc();
      },
    });
    this.subscriptions.push(unsubscribe);
    return unsubscribe;
  }

  /**
   * Unsubscribes from every observed store and removes this instance's metrics from `registry` (a
   * metric registered under the same name by someone else is left alone). Idempotent.
   */
  close(): void {
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    const own: Metric[] = [this.decisions, this.storeDuration, this.storeErrors, this.fallbackDecisions, this.circuitOpen];
    own.push(this.circuitTransitions, this.denyCacheHits, this.evictions, this.controls);
    for (const metric of own) {
      const name = (metric as unknown as { name: string }).name;
      if (this.registry.getSingleMetric(name) === metric) this.registry.removeSingleMetric(name);
    }
  }

  /** Nest calls it when the app closes: see {@link close}. */
  onApplicationShutdown(): void {
    this.close();
  }

  /** Counts one decision under each of its scopes (cheap: plain numbers, folded into the counter at scrape). */
  countDecision(scopes: readonly { readonly name: string }[], allowed: boolean): void {
    this.counts.countDecision(scopes, allowed);
  }

  /** Counts a runtime control on a scope: `refund` (uncounted outcomes, `ThrottleService.refund`), `block`, `reset`. */
  countControl(scope: string, action: ControlAction): void {
    this.controls.labels(scope, action).inc();
  }

  /** Counts one scope's result: `shadow_throttled` (shadow mode would have refused) and `skipped` (allow list, skipIf) included. */
  countResult(scope: string, result: DecisionResult): void {
    this.counts.countResult(scope, result);
  }
}
