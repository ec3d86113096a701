import type { Provider } from '@nestjs/common';
import { ThrottleClock } from '../clock';
import { createLeaseStore } from './create-lease-store';
import { LeaseGate } from '../core/lease-gate';
import { resultCounters } from '../metrics/decision-counts';
import { leaseCounters } from '../metrics/lease-counter';
import { LeaseMetrics } from '../metrics/lease-metrics';
import { OtelLeaseMetrics } from '../metrics/otel-lease-metrics';
import { OtelThrottleMetrics } from '../metrics/otel-metrics';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import type { ThrottleConfig } from '../options/normalize-options';
import { ThrottleStorage } from '../storage/throttle-storage';
import { THROTTLE_CONFIG } from '../core/throttle.tokens';
import { EventLoopProbe, PressureProbe } from '../shedding/pressure-probe';
import { LoadShedder } from '../shedding/load-shedder';

const optional = <T>(token: abstract new (...args: any[]) => T) => ({ token, optional: true });

/**
 * The module's concurrency and shedding providers: {@link LeaseMetrics} (with Prometheus metrics on) and
 * {@link OtelLeaseMetrics} (with OpenTelemetry on), the {@link LeaseGate} the decider consults (undefined
 * when no scope sets `concurrency`: no cost then), and with `shed` the {@link PressureProbe} (overridable in
 * tests) and the {@link LoadShedder}. Gate and shedder count into every backend on, the same events.
 */
export const leaseProviders: Provider[] = [
  {
    provide: LeaseMetrics,
    inject: [THROTTLE_CONFIG, optional(ThrottleMetrics)],
    useFactory: (config: ThrottleConfig, metrics?: ThrottleMetrics) =>
      config.metrics === false || !metrics ? undefined : new LeaseMetrics(metrics.registry, config.metrics.prefix),
  },
  {
    provide: OtelLeaseMetrics,
    inject: [optional(OtelThrottleMetrics)],
    useFactory: (otel?: OtelThrottleMetrics) => (otel ? new OtelLeaseMetrics(otel.meter) : undefined),
  },
  {
    provide: LeaseGate,
    inject: [
      THROTTLE_CONFIG,
      ThrottleStorage,
      ThrottleClock,
      optional(ThrottleMetrics),
      optional(OtelThrottleMetrics),
      optional(LeaseMetrics),
      optional(OtelLeaseMetrics),
    ],
    useFactory: (
      config: ThrottleConfig,
      storage: ThrottleStorage,
      clock: ThrottleClock,
      metrics?: ThrottleMetrics,
      otel?: OtelThrottleMetrics,
      leases?: LeaseMetrics,
      otelLeases?: OtelLeaseMetrics,
    ) => {
      const store = createLeaseStore(config, storage, clock);
      if (store === undefined) return undefined;
      const results = resultCounters(metrics ?? undefined, otel ?? undefined);
      return new LeaseGate(store, config.headers, results, leaseCounters(leases ?? undefined, otelLeases ?? undefined));
    },
  },
  {
    provide: PressureProbe,
    inject: [THROTTLE_CONFIG],
    useFactory: (config: ThrottleConfig) => (config.shed === undefined ? undefined : new EventLoopProbe(config.shed.sampleMs)),
  },
  {
    provide: LoadShedder,
    inject: [THROTTLE_CONFIG, optional(PressureProbe), optional(LeaseMetrics), optional(OtelLeaseMetrics)],
    useFactory: (config: ThrottleConfig, probe?: PressureProbe, leases?: LeaseMetrics, otelLeases?: OtelLeaseMetrics) =>
      config.shed === undefined || !probe
        ? undefined
        : new LoadShedder(config.shed, probe, leaseCounters(leases ?? undefined, otelLeases ?? undefined)),
  },
];
