import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { ThrottleModule, ThrottleModuleOptions } from 'nest-scoped-throttle';
import type { DemoEnv } from './demo-env';
import { HealthController } from './health.controller';
import { HiController } from './hi.controller';
import { MetricsController } from './metrics.controller';
import { demoThrottleOptions } from './throttle-config';

/** The demo app: throttle options come from the YAML file through @nestjs/config. */
@Module({})
export class AppModule {
  static forRoot(env: DemoEnv): DynamicModule {
    const throttleConfig = registerAs('throttle', () => demoThrottleOptions(env));
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [throttleConfig] }),
        ThrottleModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => config.getOrThrow<ThrottleModuleOptions>('throttle'),
        }),
      ],
      controllers: [HiController, HealthController, MetricsController],
    };
  }
}
