import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { MonotonicClock, ThrottleClock } from './clock';
import { MemoryThrottleStorage } from './storage/memory.storage';
import { ThrottleStorage } from './storage/throttle-storage';
import { THROTTLE_CONFIG } from './throttle.constants';
import { ThrottleGuard } from './throttle.guard';
import { THROTTLE_MODULE_OPTIONS, ThrottleConfigurableModule } from './throttle.module-definition';
import { normalizeOptions, ThrottleConfig, ThrottleModuleOptions } from './throttle-options';
import { ThrottleRoutes } from './throttle-routes';

/**
 * Scoped rate limiting: registers the global {@link ThrottleGuard}, the store ({@link ThrottleStorage},
 * memory by default) and the clock. Global by default (`isGlobal: false` to scope it).
 *
 * @example
 * ThrottleModule.forRoot({ scopes: { hi: '60/minute' } })
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
      useFactory: (config: ThrottleConfig, clock: ThrottleClock) =>
        config.options.storage ?? new MemoryThrottleStorage(config.options.memory, clock),
    },
    ThrottleRoutes,
    ThrottleGuard,
    { provide: APP_GUARD, useExisting: ThrottleGuard },
  ],
  exports: [ThrottleStorage, ThrottleClock, THROTTLE_CONFIG, ThrottleGuard],
})
export class ThrottleModule extends ThrottleConfigurableModule {}
