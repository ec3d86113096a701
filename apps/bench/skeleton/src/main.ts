/**
 * One variant of the skeleton, as its own process (the bench starts it pinned to core 0):
 * `node dist/main.js --variant memory [--limit 10] [--window-ms 60000] [--redis-url URL]`.
 * Listens on a free 127.0.0.1 port and prints one line `READY {"variant":...,"port":...,"pid":...}`.
 * Exits (normally, so `--cpu-prof` writes its profile) on SIGTERM/SIGINT or when its parent goes away.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ThrottleStorage } from 'nest-scoped-throttle';
import { appModule, SKELETON_VARIANTS, SkeletonConfig, SkeletonVariant } from './app.module';
import { FLOOR, floorHook } from './floors';

function flag(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at === -1 ? undefined : argv[at + 1];
}

async function serve(argv: readonly string[]): Promise<void> {
  const variant = flag(argv, '--variant') as SkeletonVariant;
  if (!SKELETON_VARIANTS.includes(variant)) throw new Error(`--variant must be one of ${SKELETON_VARIANTS.join(', ')}`);
  const config: SkeletonConfig = {
    limit: Number(flag(argv, '--limit') ?? 10),
    windowMs: Number(flag(argv, '--window-ms') ?? 60_000),
    redisUrl: flag(argv, '--redis-url'),
  };
  FLOOR.limit = { limit: config.limit, windowS: Math.ceil(config.windowMs / 1000) };
  const app = await NestFactory.create<NestFastifyApplication>(appModule(variant, config), new FastifyAdapter(), {
    logger: ['error', 'warn'],
  });
  if (variant === 'hook5' || variant === 'hook429') {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', floorHook(variant, FLOOR.limit) as never);
  }
  const stop = () => void app.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  const store = variant === 'memory' || variant === 'redis' ? app.get(ThrottleStorage).health() : undefined;
  process.stdout.write(`READY ${JSON.stringify({ variant, port, pid: process.pid, store })}\n`);
}

serve(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
