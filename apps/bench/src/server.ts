/**
 * One app under test, as its own process:
 * `node dist/apps/bench/src/server.js --variant memory --port 0 --limit 10 --window-ms 60000 [--redis-url URL]`.
 * Listens on 127.0.0.1 and prints one line `READY {"port":...,"store":...}` once it serves.
 * Exits when its parent goes away (IPC disconnect) or on SIGTERM/SIGINT.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { StorageHealth, ThrottleStorage } from 'nest-scoped-throttle';
import { flagValue } from './args';
import { installFloor } from './floors';
import { benchModule, parseVariant, Variant, VariantConfig } from './variants';

/** The line a server prints when it is ready, after `READY `. */
export interface ServerReady {
  readonly variant: Variant;
  readonly port: number;
  readonly pid: number;
  /** Our store's health at start (our variants only): `redis` must say `ok`, or it would measure the fallback. */
  readonly store?: StorageHealth;
}

async function serve(argv: readonly string[]): Promise<void> {
  const variant = parseVariant(flagValue(argv, '--variant'));
  const config: VariantConfig = {
    limit: Number(flagValue(argv, '--limit') ?? 10),
    windowMs: Number(flagValue(argv, '--window-ms') ?? 60_000),
    redisUrl: flagValue(argv, '--redis-url'),
  };
  const app = await NestFactory.create<NestFastifyApplication>(benchModule(variant, config), new FastifyAdapter(), {
    logger: ['error', 'warn'],
  });
  if (variant === 'floor-headers' || variant === 'floor-429') installFloor(app, variant, config.limit, config.windowMs);
  const stop = () => void app.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', () => process.exit(0));
  await app.listen(Number(flagValue(argv, '--port') ?? 0), '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  const store = variant === 'memory' || variant === 'redis' ? app.get(ThrottleStorage).health() : undefined;
  const ready: ServerReady = { variant, port, pid: process.pid, store };
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
}

if (require.main === module) {
  serve(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  });
}
