/**
 * The shedding benchmark's app, as its own process:
 * `node dist/apps/bench/src/shed-server.js [--no-shed] [--bulk-cpu-ms 2]`. Fastify, memory store, two
 * routes: `GET /critical` (scope priority `critical`, answers at once) and `GET /bulk` (priority `low`,
 * burns `--bulk-cpu-ms` of CPU: the load that overloads the event loop). Shedding on
 * (`eventLoopUtilization: 0.9`, `eventLoopDelayMs: 50`) unless `--no-shed`. Prints `READY {"port":...}`.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ThrottleModule, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { flagValue } from './args';

let bulkCpuMs = 2;

@Controller()
class ShedBenchController {
  @ThrottleScope('critical') @Get('critical') critical(): string {
    return 'ok';
  }
  @ThrottleScope('bulk') @Get('bulk') bulk(): string {
    const until = performance.now() + bulkCpuMs;
    while (performance.now() < until); // CPU-bound work: what overloads one event loop
    return 'done';
  }
}

/** The module of the bench app; shedding on unless `shed` is false. */
export function shedBenchOptions(shed: boolean): ThrottleModuleOptions {
  return {
    scopes: {
      critical: { rate: '1000000/s', algorithm: 'gcra', priority: 'critical' },
      bulk: { rate: '1000000/s', algorithm: 'gcra', priority: 'low' },
    },
    ...(shed ? { shed: { eventLoopUtilization: 0.9, eventLoopDelayMs: 50 } } : {}),
  };
}

async function serve(argv: readonly string[]): Promise<void> {
  bulkCpuMs = Number(flagValue(argv, '--bulk-cpu-ms') ?? 2);
  @Module({ imports: [ThrottleModule.forRoot(shedBenchOptions(!argv.includes('--no-shed')))], controllers: [ShedBenchController] })
  class ShedBenchModule {}
  const app = await NestFactory.create<NestFastifyApplication>(ShedBenchModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
  const stop = () => void app.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('disconnect', () => process.exit(0));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  process.stdout.write(`READY ${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, pid: process.pid })}\n`);
}

if (require.main === module) {
  serve(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  });
}
