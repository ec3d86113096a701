import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { MonotonicClock, ThrottleClock } from './clock';
import { createThrottleStorage } from './storage/storage-factory';
import { ThrottleStorage } from './storage/throttle-storage';
import { THROTTLE_CONFIG } from './throttle.constants';
import { ThrottleGuard } from './throttle.guard';
import { THROTTLE_MODULE_OPTIONS, ThrottleConfigurableModule } from './throttle.module-definition';
import { normalizeOptions, ThrottleConfig, ThrottleModuleOptions } from './throttle-options';
import { ThrottleRoutes } from './throttle-routes';
import { ThrottleFastLane } from './fast-lane/fastify-fast-lane';
import { ThrottleMetrics } from './metrics/throttle-metrics';

/**
 * Scoped rate limiting: registers the global {@link ThrottleGuard}, the store ({@link ThrottleStorage}:
 * `storage` if given, else Redis behind the `onStoreError` policy when `redis` is set, else memory)
 * and the clock. Global by default (`isGlobal: false` to scope it). A Redis client the module creates
 * (`redis.url`, `redis.clusterNodes`) connects at bootstrap and is quit at shutdown; an unreachable
 * Redis at boot is logged once and the app runs under `onStoreError` until it is reachable.
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
        const option = config.options.metrics ?? true;
        if (option === false) return undefined;
        const metrics = new ThrottleMetrics(option === true ? {} : option);
        metrics.observe(storage, config.onStoreError);
        return metrics;
      },
    },
    ThrottleRoutes,
    ThrottleGuard,
    ThrottleFastLane,
    { provide: APP_GUARD, useExisting: ThrottleGuard },
  ],
  exports: [ThrottleStorage, ThrottleClock, THROTTLE_CONFIG, ThrottleGuard, ThrottleMetrics],
})
export class ThrottleModule extends ThrottleConfigurableModule {}
