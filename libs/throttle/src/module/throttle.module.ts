import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { MonotonicClock, ThrottleClock } from '../clock';
import { GraphqlThrottle } from '../contexts/graphql-context';
import { ThrottleOutcome } from '../contexts/throttle-outcome';
import { WsClients } from '../contexts/ws-clients';
import { WsThrottle } from '../contexts/ws-context';
import { WsGuardCheck } from '../contexts/ws-guard-check';
import { FastifyFastLane } from '../http/fastify-fast-lane';
import { ContextThrottle, THROTTLE_CONTEXTS } from '../core/decide-once';
import { GlobalThrottleGuard } from '../http/global-throttle.guard';
import { RoutePlans } from '../core/route-plans';
import { ThrottleDecider } from '../core/decider';
import { ThrottleGuard } from '../http/throttle.guard';
import { OtelThrottleMetrics } from '../metrics/otel-metrics';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import { normalizeOptions, ThrottleConfig } from '../options/normalize-options';
import type { ThrottleModuleOptions } from '../options/throttle-options';
import { ThrottleService } from '../service/throttle.service';
import { ThrottleStorage } from '../storage/throttle-storage';
import { createThrottleStorage } from './create-storage';
import { leaseProviders } from './lease-providers';
import { THROTTLE_MODULE_OPTIONS, ThrottleConfigurableModule } from './throttle.module-definition';
import { THROTTLE_CONFIG } from '../core/throttle.tokens';

/**
 * Scoped rate limiting: registers the global {@link ThrottleGuard}, the store ({@link ThrottleStorage}:
 * `storage` if given, else Redis behind the `onStoreError` policy when `redis` is set, else memory),
 * the clock and, when `metrics` is set, {@link ThrottleMetrics} (Prometheus) and/or {@link OtelThrottleMetrics}. Global by default (`isGlobal: false` to
 * scope it). The Redis store is made ready at bootstrap, before the app listens (connected, every
 * Cluster master too, the script loaded); a client the module creates (`redis.url`,
 * `redis.clusterNodes`) is quit at shutdown. A Redis not ready within `storeBootTimeoutMs` is logged
 * once and the app runs under `onStoreError` until it is. Bad options stop boot with one {@link ThrottleConfigError}.
 *
 * @example
 * ThrottleModule.forRoot({ scopes: { hi: '60/minute' } })
 *
 * @example
 * ThrottleModule.forRoot({ scopes: { hi: '60/minute' }, redis: { url: 'redis://redis:6379/0' }, onStoreError: 'local' })
 *
 * @example
 * ThrottleModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => config.getOrThrow('throttle'),
 * })
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: THROTTLE_CONFIG,
      inject: [THROTTLE_MODULE_OPTIONS],
      useFactory: (options: ThrottleModuleOptions) => normalizeOptions(options),
    },
    { provide: ThrottleClock, useClass: MonotonicClock },
    {
      provide: ThrottleStorage,
      inject: [THROTTLE_CONFIG, ThrottleClock],
      useFactory: (config: ThrottleConfig, clock: ThrottleClock) => createThrottleStorage(config, clock),
    },
    {
      provide: ThrottleMetrics,
      inject: [THROTTLE_CONFIG, ThrottleStorage],
      useFactory: (config: ThrottleConfig, storage: ThrottleStorage) => {
        if (config.metrics === false || config.problems.length > 0) return undefined;
        const metrics = new ThrottleMetrics(config.metrics);
        metrics.observe(storage, config.onStoreError);
        return metrics;
      },
    },
    {
      provide: OtelThrottleMetrics,
      inject: [THROTTLE_CONFIG, ThrottleStorage],
      useFactory: (config: ThrottleConfig, storage: ThrottleStorage) => {
        if (config.otel === false || config.problems.length > 0) return undefined;
        const metrics = new OtelThrottleMetrics(config.otel);
        metrics.observe(storage, config.onStoreError);
        return metrics;
      },
    },
    ...leaseProviders,
    RoutePlans,
    ThrottleDecider,
    GraphqlThrottle,
    WsClients,
    WsThrottle,
    WsGuardCheck,
    {
      provide: THROTTLE_CONTEXTS,
      inject: [GraphqlThrottle, WsThrottle],
      useFactory: (graphql: GraphqlThrottle, ws: WsThrottle) =>
        new Map<string, ContextThrottle>([
          ['graphql', graphql],
          ['ws', ws],
        ]),
    },
    ThrottleOutcome,
    ThrottleGuard,
    FastifyFastLane,
    GlobalThrottleGuard,
    ThrottleService,
    { provide: APP_GUARD, useExisting: GlobalThrottleGuard },
  ],
  // ThrottleGuard's own dependencies are exported so that `@UseGuards(ThrottleGuard)` resolves in any module
  // (WebSocket gateways need it: Nest applies no global guard to them).
  exports: [
    ThrottleService,
    ThrottleStorage,
    ThrottleClock,
    ThrottleGuard,
    ThrottleMetrics,
    THROTTLE_CONFIG,
    ...leaseProviders,
    RoutePlans,
    ThrottleDecider,
    GraphqlThrottle,
    WsThrottle,
    THROTTLE_CONTEXTS,
    ThrottleOutcome,
  ],
})
export class ThrottleModule extends ThrottleConfigurableModule {}
