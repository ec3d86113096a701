import type { Provider } from '@nestjs/common';
import { ThrottleClock } from '../clock';
import { createLeaseStore } from './create-lease-store';
import { LeaseGate } from '../core/lease-gate';
import { LeaseMetrics } from '../metrics/lease-metrics';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import type { ThrottleConfig } from '../options/normalize-options';
import { ThrottleStorage } from '../storage/throttle-storage';
import { THROTTLE_CONFIG } from '../core/throttle.tokens';
import { EventLoopProbe, PressureProbe } from '../shedding/pressure-probe';
import { LoadShedder } from '../shedding/load-shedder';

/**
 * The module's concurrency and shedding providers: {@link LeaseMetrics} (with Prometheus metrics on), the
 * {@link LeaseGate} the decider consults (undefined when no scope sets `concurrency`: no cost then), and
 * with `shed` the {@link PressureProbe} (overridable in tests) and the {@link LoadShedder}.
 */
export const leaseProviders: Provider[] = [
  {
    provide: LeaseMetrics,
    inject: [THROTTLE_CONFIG, { token: ThrottleMetrics, optional: true }],
    useFactory: (config: ThrottleConfig, metrics?: ThrottleMetrics) =>
      config.metrics === false || metrics === undefined ? undefined : new LeaseMetrics(metrics.registry, config.metrics.prefix),
  },
  {
    provide: LeaseGate,
    inject: [
      THROTTLE_CONFIG,
      ThrottleStorage,
      ThrottleClock,
      { token: ThrottleMetrics, optional: true },
      { token: LeaseMetrics, optional: true },
    ],
    useFactory: (
      config: ThrottleConfig,
      storage: ThrottleStorage,
      clock: ThrottleClock,
      metrics?: ThrottleMetrics,
      leases?: LeaseMetrics,
    ) => {
      const store = createLeaseStore(config, storage, clock);
      return store === undefined ? undefined : new LeaseGate(store, config.headers, metrics ?? undefined, leases ?? undefined);
    },
  },
  {
    provide: PressureProbe,
    inject: [THROTTLE_CONFIG],
    useFactory: (config: ThrottleConfig) => (config.shed === undefined ? undefined : new EventLoopProbe(config.shed.sampleMs)),
  },
  {
    provide: LoadShedder,
    inject: [THROTTLE_CONFIG, { token: PressureProbe, optional: true }, { token: LeaseMetrics, optional: true }],
    useFactory: (config: ThrottleConfig, probe?: PressureProbe, metrics?: LeaseMetrics) =>
      config.shed === undefined || !probe ? undefined : new LoadShedder(config.shed, probe, metrics ?? undefined),
  },
];
