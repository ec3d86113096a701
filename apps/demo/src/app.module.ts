import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { ThrottleModule, ThrottleModuleOptions } from 'nest-scoped-throttle';
import { BurstController } from './burst.controller';
import { ExportController } from './export.controller';
import { DemoAuthMiddleware } from './demo-auth.middleware';
import type { DemoEnv } from './demo-env';
import { HealthController } from './health.controller';
import { HiController } from './hi.controller';
import { HiGateway } from './hi.gateway';
import { HiResolver } from './hi.resolver';
import { LoginController } from './login.controller';
import { DEMO_ADMIN_KEY, ThrottleAdminController } from './throttle-admin.controller';
import { MetricsController } from './metrics.controller';
import { PlanController } from './plan.controller';
import { demoThrottleOptions } from './throttle-config';

/**
 * The demo app: throttle options come from the YAML file through the library's throttleConfig and @nestjs/config; GraphQL on /graphql,
 * socket.io on /ws. The demo's authentication (X-API-Key → request.user) is middleware, so it runs
 * before every guard, the throttle guard included.
 */
@Module({})
export class AppModule implements NestModule {
  static forRoot(env: DemoEnv): DynamicModule {
    const throttleConfig = registerAs('throttle', demoThrottleOptions(env));
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [throttleConfig] }),
        ThrottleModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => config.getOrThrow<ThrottleModuleOptions>('throttle'),
        }),
        GraphQLModule.forRoot<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          autoSchemaFile: true,
          graphiql: false,
          // mercurius loads its query cache (quick-lru, ESM) by dynamic import, which the Jest VM of the
          // demo's e2e tests cannot run; the demo's one-field queries parse in microseconds anyway.
          cache: false,
        }),
      ],
      controllers: [
        HiController,
        BurstController,
        ExportController,
        PlanController,
        LoginController,
        ThrottleAdminController,
        HealthController,
        MetricsController,
      ],
      providers: [HiResolver, HiGateway, { provide: DEMO_ADMIN_KEY, useValue: env.adminKey }],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(DemoAuthMiddleware).forRoutes(PlanController);
  }
}
