import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigService } from '@nestjs/config';
import type { ThrottleModuleOptions } from 'nest-scoped-throttle';
import { AppModule } from './app.module';
import type { DemoEnv } from './demo-env';
import { COSTLY_ROUTES } from './plan.controller';
import { describeDemoRedis } from './redis-store-options';
import { describeScope } from './scope-summary';

/** Nest's start-up chatter (route mapping, module loading) is dropped; warnings, errors and our own logs stay. */
class QuietLogger extends ConsoleLogger {
  private static readonly NOISY = new Set([
    'NestFactory',
    'InstanceLoader',
    'RoutesResolver',
    'RouterExplorer',
    'NestApplication',
    'WebSocketsController',
    'GraphQLModule',
  ]);
  override log(message: unknown, context?: string): void {
    if (context !== undefined && QuietLogger.NOISY.has(context)) return;
    super.log(message, context);
  }
}

/** The demo's Fastify adapter: `/hi/` routes like `/hi` (the DRF articles call `/hi/`), one route, one counter. */
export function createDemoAdapter(): FastifyAdapter {
  return new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } });
}

/** Creates the Fastify app (not listening yet); throws, with a readable message, on bad config. */
export async function createDemoApp(env: DemoEnv, logLevels?: LogLevel[]): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(env), createDemoAdapter(), {
    abortOnError: false,
    logger: new QuietLogger('Demo', { logLevels: logLevels ?? ['log', 'warn', 'error', 'fatal'] }),
  });
  return app;
}

/** The one boot line: URL, store, workers and every scope's rate (with its key, algorithm, tiers and costs). */
export function bootLine(app: NestFastifyApplication, env: DemoEnv): string {
  const options = app.get(ConfigService).getOrThrow<ThrottleModuleOptions>('throttle');
  const scopes = Object.entries(options.scopes)
    .map(([name, scope]) => describeScope(name, scope, options.key, COSTLY_ROUTES))
    .join(', ');
  const host = env.host === '0.0.0.0' || env.host === '::' ? '127.0.0.1' : env.host;
  const address = app.getHttpServer().address();
  const port = address !== null && typeof address === 'object' ? address.port : env.port;
  const store = env.store === 'redis' ? `redis ${describeDemoRedis(env)}` : 'memory';
  return `demo listening on http://${host.includes(':') ? `[${host}]` : host}:${port} | store ${store} (on error: ${env.onStoreError}) | workers ${env.workers} | scopes ${scopes}`;
}
