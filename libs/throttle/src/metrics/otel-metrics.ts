import type { Attributes, Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import { mostRestrictive } from '../storage/scope-pick';
import type { ThrottleDecision, ThrottleStorage } from '../storage/throttle-storage';
import type { ControlAction, ControlCounter } from './control-counter';
import { DECISION_RESULTS as RESULTS, DecisionCounts, DecisionResult } from './decision-counts';
import { STORE_DURATION_BUCKETS_S } from './throttle-metrics';

/** Options of {@link OtelThrottleMetrics}. */
export interface OtelMetricsOptions {
  /** Where the meter comes from (an SDK `MeterProvider`); default the global one (`metrics.getMeter`). */
  meterProvider?: { getMeter(name: string, version?: string): object };
}

/**
 * The instruments, named so that an OpenTelemetry-to-Prometheus export (dots to underscores, `_total` on
 * counters) gives the names {@link ThrottleMetrics} registers: one dashboard and one set of alert rules
 * read either. Attributes are the Prometheus labels (`scope`, `result`, ...).
 */
export const OTEL_INSTRUMENTS = {
  decisions: 'throttle.decisions',
  // The unit in the name too: @opentelemetry/exporter-prometheus does not append it (the Collector's does, unless present).
  storeDuration: 'throttle.store.duration_seconds',
  storeErrors: 'throttle.store.errors',
  fallbackDecisions: 'throttle.store.fallback_decisions',
  circuitOpen: 'throttle.store.circuit_open',
  circuitTransitions: 'throttle.store.circuit_transitions',
  denyCacheHits: 'throttle.deny_cache_hits',
  evictions: 'throttle.evictions',
  controls: 'throttle.controls',
  // Concurrency leases and load shedding (OtelLeaseMetrics): an UpDownCounter exports as a gauge (no `_total`).
  leasesHeld: 'throttle.leases_held',
  leaseExpiries: 'throttle.lease_expiries',
  shed: 'throttle.shed',
} as const;

/** `@opentelemetry/api`, loaded when OpenTelemetry metrics are created (it is an optional peer dependency). */
function loadOtelApi(): typeof import('@opentelemetry/api') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  } catch (error) {
    const why = (error as { code?: string }).code === 'MODULE_NOT_FOUND' ? 'it is not installed' : (error as Error).message;
    throw new Error(
      `Throttle metrics 'otel' need the @opentelemetry/api package, but ${why}: npm install @opentelemetry/api (or drop 'otel' from the metrics option)`,
      { cause: error },
    );
  }
}

/**
 * The limiter's metrics through the OpenTelemetry Meter (`metrics: 'otel'`, or `['prometheus', 'otel']`):
 * the counters and histogram of {@link ThrottleMetrics}, and on the active span of each decided request the
 * attributes `throttle.scope` (the scope that refused, else the one with the least left), `throttle.result`
 * (`allowed`, `throttled` or `shadow_throttled`) and `throttle.remaining`.
 *
 * @example
 * ThrottleModule.forRoot({ scopes: { hi: '60/minute' }, metrics: ['prometheus', 'otel'] })
 */
export class OtelThrottleMetrics implements ControlCounter {
  private readonly api: typeof import('@opentelemetry/api');
  /** The meter of every instrument (the lease and shedding ones of `OtelLeaseMetrics` too). */
  readonly meter: Meter;
  private readonly storeDuration: Histogram;
  private readonly storeErrors: Counter;
  private readonly fallbackDecisions: Counter;
  private readonly circuitTransitions: Counter;
  private readonly denyCacheHits: Counter;
  private readonly evictions: Counter;
  private readonly controls: Counter;
  /** Decisions so far, cumulative (the hot path bumps numbers only). */
  private readonly counts = new DecisionCounts();
  private circuitOpen = 0;
  /** Unsubscribe functions of {@link observe}, called by {@link close}. */
  private readonly subscriptions: (() => void)[] = [];

  constructor(options: OtelMetricsOptions = {}) {
    this.api = loadOtelApi();
    const provider = (options.meterProvider ?? this.api.metrics) as { getMeter(name: string): Meter };
    const meter = (this.meter = provider.getMeter('nest-scoped-throttle'));
    const counter = (name: string, description: string) => meter.createCounter(name, { description });
    meter
      .createObservableCounter(OTEL_INSTRUMENTS.decisions, {
        description: 'Throttle decisions by scope and result (allowed, throttled, shadow_throttled, skipped)',
      })
      .addCallback((result) => this.reportDecisions(result));
    this.storeDuration = meter.createHistogram(OTEL_INSTRUMENTS.storeDuration, {
      description: 'Time the shared store took to decide one request',
      unit: 's',
      advice: { explicitBucketBoundaries: [...STORE_DURATION_BUCKETS_S] },
    });
    meter
      .createObservableGauge(OTEL_INSTRUMENTS.circuitOpen, {
        description: '1 while the circuit breaker keeps requests off the shared store, else 0',
      })
      .addCallback((result) => result.observe(this.circuitOpen));
    this.storeErrors = counter(OTEL_INSTRUMENTS.storeErrors, 'Shared-store calls that failed or timed out');
    this.fallbackDecisions = counter(
      OTEL_INSTRUMENTS.fallbackDecisions,
      'Decisions made by the onStoreError policy instead of the shared store',
    );
    this.circuitTransitions = counter(OTEL_INSTRUMENTS.circuitTransitions, 'Circuit breaker state changes, by the state entered');
    this.denyCacheHits = counter(
      OTEL_INSTRUMENTS.denyCacheHits,
      'Requests refused from the local deny cache without asking the shared store',
    );
    this.evictions = counter(OTEL_INSTRUMENTS.evictions, 'Sliding logs evicted while they still held an admission inside their window');
    this.controls = counter(
      OTEL_INSTRUMENTS.controls,
      'Units given back (refund: uncounted outcomes, ThrottleService.refund), blocks started, counters reset, by scope',
    );
  }

  /** Counts a runtime control on a scope, like {@link ThrottleMetrics.countControl}. */
  countControl(scope: string, action: ControlAction): void {
    this.controls.add(1, { scope, action });
  }

  /** Counts what a store reports through its events, like {@link ThrottleMetrics.observe}. Returns the unsubscribe function. */
  observe(storage: ThrottleStorage, policy: string, store = 'redis'): () => void {
    const storeAttrs: Attributes = { store };
    const fallbackAttrs = new Map<string, Attributes>();
    const fallbackOf = (reason: string) => {
      let attrs = fallbackAttrs.get(reason);
      if (attrs === undefined) fallbackAttrs.set(reason, (attrs = { policy, reason }));
      return attrs;
    };
    const unsubscribe = storage.subscribe({
      decision: (e) => {
        if (e.source === 'store') this.storeDuration.record(e.latencyMs / 1000, storeAttrs);
        else if (e.source === 'policy') this.fallbackDecisions.add(1, fallbackOf(e.reason ?? 'store_error'));
      },
      storeError: (e) => this.storeErrors.add(1, { store, reason: e.reason.startsWith('timeout') ? 'timeout' : e.reason }),
      circuitChange: (e) => {
        this.circuitTransitions.add(1, { to: e.to });
        this.circuitOpen = e.to === 'closed' ? 0 : 1;
      },
      denyCacheHit: () => this.denyCacheHits.add(1),
      eviction: (e) => this.evictions.add(1, { scope: e.scope }),
    });
    this.subscriptions.push(unsubscribe);
    return unsubscribe;
  }

  /** Unsubscribes from every observed store (the meter's instruments belong to its provider). Idempotent. */
  close(): void {
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
  }

  /** Nest calls it when the app closes: see {@link close}. */
  onApplicationShutdown(): void {
    this.close();
  }

  /** Counts one decision under each of its scopes. */
  countDecision(scopes: readonly { readonly name: string }[], allowed: boolean): void {
    this.counts.countDecision(scopes, allowed);
  }

  /** Counts one scope's result (`shadow_throttled` and `skipped` included). */
  countResult(scope: string, result: DecisionResult): void {
    this.counts.countResult(scope, result);
  }

  /**
   * Adds `throttle.scope`, `throttle.result` and `throttle.remaining` to the active span, if there is one:
   * the state of `decision` that restricts the client most, named by `scopeOf(its index)`.
   */
  annotate(scopeOf: (state: number) => string, decision: ThrottleDecision, shadowRefused: boolean): void {
    const span = this.api.trace.getActiveSpan();
    if (span === undefined) return;
    const i = mostRestrictive(decision);
    span.setAttributes({
      'throttle.scope': scopeOf(i),
      'throttle.result': decision.allowed ? (shadowRefused ? 'shadow_throttled' : 'allowed') : 'throttled',
      'throttle.remaining': decision.states[i].remaining,
    });
  }

  private reportDecisions(result: ObservableResult): void {
    for (const [scope, counts] of this.counts.byScope) {
      for (let r = 0; r < RESULTS.length; r++) if (counts[r] > 0) result.observe(counts[r], { scope, result: RESULTS[r] });
    }
  }
}
