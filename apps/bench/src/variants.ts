/**
 * The apps under test: the same Fastify route `GET /hi`, keyed by the same client header, with the
 * same limit and window, throttled five ways, and two floors (see floors.ts) that only write what the
 * contract forces on any limiter.
 */
import { Controller, DynamicModule, Get, Injectable, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Redis } from 'ioredis';
import { ThrottleModule, ThrottleScope } from 'nest-scoped-throttle';

/** The variants, in the order every round runs them. */
export const VARIANTS = ['baseline', 'floor-headers', 'floor-429', 'memory', 'redis', 'throttler', 'throttler-redis'] as const;

/** One app under test. */
export type Variant = (typeof VARIANTS)[number];

/** The floor variants (no limiter; see floors.ts). */
export const FLOOR_VARIANTS: ReadonlySet<Variant> = new Set<Variant>(['floor-headers', 'floor-429']);

/** Variants that need the private Redis. */
export const REDIS_VARIANTS: ReadonlySet<Variant> = new Set<Variant>(['redis', 'throttler-redis']);

/** The header carrying the client identity, in every variant. */
export const CLIENT_HEADER = 'x-client-id';

/** The limit every throttled variant enforces: `limit` admissions per trailing `windowMs`. */
export interface BenchLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/** What a variant's app needs besides its name. */
export interface VariantConfig extends BenchLimit {
  /** `redis://127.0.0.1:<port>` of the private Redis (redis variants only). */
  readonly redisUrl?: string;
}

/** The one route: `{"msg":"Hello Hello!"}`; the scope decorator is inert where our module is absent. */
@Controller()
class HiController {
  @ThrottleScope('hi')
  @Get('hi')
  hi(): { msg: string } {
    return { msg: 'Hello Hello!' };
  }
}

/** @nestjs/throttler keyed by the client header (its default is the IP), as our `header:` key does. */
@Injectable()
class HeaderThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const id = req.headers?.[CLIENT_HEADER];
    return typeof id === 'string' && id !== '' ? id : req.ip;
  }
}

@Module({})
class BenchAppModule {}

/**
 * The root module of one variant's app.
 *
 * @example
 * NestFactory.create(benchModule('memory', { limit: 10, windowMs: 60_000 }), new FastifyAdapter());
 */
export function benchModule(variant: Variant, config: VariantConfig): DynamicModule {
  return { module: BenchAppModule, imports: throttleImports(variant, config), controllers: [HiController], providers: guards(variant) };
}

function throttleImports(variant: Variant, config: VariantConfig): DynamicModule[] {
  const rate = `${config.limit}/${config.windowMs / 1000}s`;
  const throttlers = [{ name: 'hi', limit: config.limit, ttl: config.windowMs }];
  switch (variant) {
    case 'baseline':
    case 'floor-headers':
    case 'floor-429':
      return [];
    case 'memory':
      return [ThrottleModule.forRoot({ scopes: { hi: rate }, key: `header:${CLIENT_HEADER}` })];
    case 'redis':
      return [ThrottleModule.forRoot({ scopes: { hi: rate }, key: `header:${CLIENT_HEADER}`, redis: { url: redisUrlOf(config) } })];
    case 'throttler':
      return [ThrottlerModule.forRoot({ throttlers })];
    case 'throttler-redis':
      return [ThrottlerModule.forRoot({ throttlers, storage: new ThrottlerStorageRedisService(new Redis(redisUrlOf(config))) })];
  }
}

function guards(variant: Variant) {
  return variant === 'throttler' || variant === 'throttler-redis' ? [{ provide: APP_GUARD, useClass: HeaderThrottlerGuard }] : [];
}

function redisUrlOf(config: VariantConfig): string {
  if (config.redisUrl === undefined) throw new Error('the redis variants need --redis-url');
  return config.redisUrl;
}

/** Parses a variant name from the command line. */
export function parseVariant(text: string | undefined): Variant {
  const found = VARIANTS.find((v) => v === text);
  if (found === undefined) throw new Error(`--variant must be one of ${VARIANTS.join(', ')}, got ${JSON.stringify(text)}`);
  return found;
}
