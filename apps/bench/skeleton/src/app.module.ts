/**
 * The skeleton's app, one variant at a time: one route `GET /` with `@ThrottleScope('hi')`, keyed by
 * the `api_key` query parameter in every limiter, with the same limit and window everywhere.
 */
import { Controller, DynamicModule, Get, Injectable, Module, Provider, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Redis } from 'ioredis';
import { ThrottleModule, ThrottleScope } from 'nest-scoped-throttle';
import { EmptyGuard, HeadersFloorGuard, RefusalFloorGuard } from './floors';

/** Every variant the skeleton runs (the bench's variants.ts lists the same names). */
export const SKELETON_VARIANTS = [
  'baseline',
  'empty-guard',
  'guard5',
  'hook5',
  'guard429',
  'hook429',
  'memory',
  'redis',
  'throttler',
  'throttler-redis',
] as const;
export type SkeletonVariant = (typeof SKELETON_VARIANTS)[number];

/** What a variant's app needs besides its name. */
export interface SkeletonConfig {
  readonly limit: number;
  readonly windowMs: number;
  readonly redisUrl?: string;
}

@Controller()
class RootController {
  @ThrottleScope('hi')
  @Get()
  root(): { msg: string } {
    return { msg: 'Hello Hello!' };
  }
}

/** @nestjs/throttler keyed by `api_key` (its default is the IP), as our `query:api_key` key is. */
@Injectable()
class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const key = req.query?.api_key;
    return typeof key === 'string' && key !== '' ? key : req.ip;
  }
}

@Module({})
class SkeletonModule {}

/** The root module of one variant's app. */
export function appModule(variant: SkeletonVariant, config: SkeletonConfig): DynamicModule {
  return { module: SkeletonModule, imports: imports(variant, config), controllers: [RootController], providers: guards(variant) };
}

function imports(variant: SkeletonVariant, config: SkeletonConfig): DynamicModule[] {
  const rate = `${config.limit}/${config.windowMs / 1000}s`;
  const throttlers = [{ name: 'hi', limit: config.limit, ttl: config.windowMs }];
  switch (variant) {
    case 'memory':
      return [ThrottleModule.forRoot({ scopes: { hi: rate }, key: 'query:api_key' })];
    case 'redis':
      return [ThrottleModule.forRoot({ scopes: { hi: rate }, key: 'query:api_key', redis: { url: redisUrl(config) } })];
    case 'throttler':
      return [ThrottlerModule.forRoot({ throttlers })];
    case 'throttler-redis':
      return [ThrottlerModule.forRoot({ throttlers, storage: new ThrottlerStorageRedisService(new Redis(redisUrl(config))) })];
    default:
      return [];
  }
}

const GUARD_OF: Partial<Record<SkeletonVariant, Type>> = {
  'empty-guard': EmptyGuard,
  guard5: HeadersFloorGuard,
  guard429: RefusalFloorGuard,
  throttler: ApiKeyThrottlerGuard,
  'throttler-redis': ApiKeyThrottlerGuard,
};

function guards(variant: SkeletonVariant): Provider[] {
  const guard = GUARD_OF[variant];
  return guard ? [{ provide: APP_GUARD, useClass: guard }] : [];
}

function redisUrl(config: SkeletonConfig): string {
  if (config.redisUrl === undefined) throw new Error('the redis variants need --redis-url');
  return config.redisUrl;
}
