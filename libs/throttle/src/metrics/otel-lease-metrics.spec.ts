import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { leaseCounters } from './lease-counter';
import { LeaseMetrics } from './lease-metrics';
import { OtelLeaseMetrics } from './otel-lease-metrics';
import { OtelThrottleMetrics } from './otel-metrics';

describe('OtelLeaseMetrics: the lease and shedding metrics of LeaseMetrics, through the OTel meter', () => {
  it('counts the same events as LeaseMetrics when both are behind one leaseCounters fan-out', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] });
    const registry = new Registry();
    const counter = leaseCounters(
      new LeaseMetrics(registry),
      new OtelLeaseMetrics(new OtelThrottleMetrics({ meterProvider: provider }).meter),
    )!;
    counter.held('export', 1);
    counter.held('export', 1);
    counter.held('export', -1);
    counter.expired('export', 3);
    counter.countShed('low');
    counter.countShed('low');
    await provider.forceFlush();
    const metrics = exporter
      .getMetrics()
      .at(-1)!
      .scopeMetrics.flatMap((s) => s.metrics)
      .filter((m) => /lease|shed/.test(m.descriptor.name));
    const otel = metrics.map((m) => [
      m.descriptor.name,
      m.dataPointType,
      'isMonotonic' in m ? m.isMonotonic : undefined,
      m.dataPoints[0].attributes,
      m.dataPoints[0].value,
    ]);
    expect(otel).toEqual([
      ['throttle.leases_held', DataPointType.SUM, false, { scope: 'export' }, 1], // an UpDownCounter: exported as a gauge
      ['throttle.lease_expiries', DataPointType.SUM, true, { scope: 'export' }, 3],
      ['throttle.shed', DataPointType.SUM, true, { priority: 'low' }, 2],
    ]);
    const text = await registry.metrics();
    expect(text).toContain('throttle_leases_held{scope="export"} 1');
    expect(text).toContain('throttle_lease_expiries_total{scope="export"} 3');
    expect(text).toContain('throttle_shed_total{priority="low"} 2');
  });

  it('leaseCounters: undefined without a backend, the backend itself when alone', () => {
    const alone = new LeaseMetrics(new Registry());
    expect(leaseCounters(undefined, undefined)).toBeUndefined();
    expect(leaseCounters(alone, undefined)).toBe(alone);
  });

  it('exported to Prometheus (@opentelemetry/exporter-prometheus) gives the names and types of LeaseMetrics', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter as unknown as MetricReader] });
    const otel = new OtelLeaseMetrics(new OtelThrottleMetrics({ meterProvider: provider }).meter);
    const registry = new Registry();
    for (const counter of [otel, new LeaseMetrics(registry)]) {
      counter.held('export', 1);
      counter.expired('export', 1);
      counter.countShed('low');
    }
    const text = await new Promise<string>((resolve) =>
      exporter.getMetricsRequestHandler({} as never, { statusCode: 0, setHeader: () => undefined, end: resolve } as never),
    );
    const types = (exposition: string) =>
      exposition
        .split('\n')
        .filter((line) => /^# TYPE throttle_(lease|shed)/.test(line))
        .sort();
    expect(types(text)).toEqual(types(await registry.metrics()));
    expect(types(text)).toHaveLength(3);
    await provider.shutdown();
  });
});
