import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ThrottleStorage } from '../storage/throttle-storage';
import type { ThrottleStoreEvents } from '../storage/store-events';
import { OtelThrottleMetrics } from './otel-metrics';
import { ThrottleMetrics } from './throttle-metrics';

/** A store whose events the test sends itself (the events are the stores' own contract, tested with them). */
class EventSource extends ThrottleStorage {
  readonly listeners: ThrottleStoreEvents[] = [];
  consume(): never {
    throw new Error('not used');
  }
  override subscribe(listener: ThrottleStoreEvents): () => void {
    this.listeners.push(listener);
    return () => undefined;
  }
  emit(send: (l: ThrottleStoreEvents) => void): void {
    this.listeners.forEach(send);
  }
}

describe('OtelThrottleMetrics: the store events, as ThrottleMetrics counts them', () => {
  it('records store latency, errors, fallback decisions, circuit state and transitions, deny-cache hits and evictions', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] });
    const store = new EventSource();
    const prometheus = new ThrottleMetrics();
    prometheus.observe(store, 'local');
    new OtelThrottleMetrics({ meterProvider: provider }).observe(store, 'local');
    store.emit((l) => {
      l.decision?.({ source: 'store', allowed: true, latencyMs: 2 });
      l.decision?.({ source: 'policy', allowed: true, latencyMs: 0, reason: 'timeout' });
      l.storeError?.({ reason: 'timeout after 100 ms', error: undefined });
      l.storeError?.({ reason: 'ECONNREFUSED', error: undefined });
      l.circuitChange?.({ from: 'closed', to: 'open', reason: 'errors' });
      l.denyCacheHit?.({ key: 'k' });
      l.eviction?.({ scope: 'api_key' });
    });
    await provider.forceFlush();
    const otel = new Map(
      exporter
        .getMetrics()
        .at(-1)!
        .scopeMetrics[0].metrics.map((m) => [m.descriptor.name, m.dataPoints]),
    );
    const points = (name: string) =>
      otel.get(name)!.map((p) => [p.attributes, typeof p.value === 'number' ? p.value : (p.value as { count: number }).count]);
    expect(points('throttle.store.duration_seconds')).toEqual([[{ store: 'redis' }, 1]]);
    expect(otel.get('throttle.store.duration_seconds')![0].value).toMatchObject({ sum: 0.002 });
    expect(points('throttle.store.errors')).toEqual([
      [{ store: 'redis', reason: 'timeout' }, 1],
      [{ store: 'redis', reason: 'ECONNREFUSED' }, 1],
    ]);
    expect(points('throttle.store.fallback_decisions')).toEqual([[{ policy: 'local', reason: 'timeout' }, 1]]);
    expect(points('throttle.store.circuit_open')).toEqual([[{}, 1]]);
    expect(points('throttle.store.circuit_transitions')).toEqual([[{ to: 'open' }, 1]]);
    expect(points('throttle.deny_cache_hits')).toEqual([[{}, 1]]);
    expect(points('throttle.evictions')).toEqual([[{ scope: 'api_key' }, 1]]);
    // The same events, counted by the Prometheus side.
    const text = await prometheus.registry.metrics();
    for (const line of [
      'throttle_store_duration_seconds_count{store="redis"} 1',
      'throttle_store_errors_total{store="redis",reason="timeout"} 1',
      'throttle_store_fallback_decisions_total{policy="local",reason="timeout"} 1',
      'throttle_store_circuit_open 1',
      'throttle_evictions_total{scope="api_key"} 1',
    ])
      expect(text).toContain(line);
    await provider.shutdown();
  });

  it('says what to install when @opentelemetry/api is missing', () => {
    jest.isolateModules(() => {
      jest.doMock('@opentelemetry/api', () => {
        throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { OtelThrottleMetrics: Isolated } = require('./otel-metrics') as typeof import('./otel-metrics');
      expect(() => new Isolated()).toThrow(
        "Throttle metrics 'otel' need the @opentelemetry/api package, but it is not installed: npm install @opentelemetry/api (or drop 'otel' from the metrics option)",
      );
    });
  });
});
