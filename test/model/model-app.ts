// Builds the real Nest app of a generated config: one controller with a handler per route, the module's
// options (hooks that throw on request), a FakeClock, and the store (memory, Redis, Cluster).
import { Controller, Get, HttpException, Query, Type } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { ScopeOptions, ThrottleCost, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import type { Platform } from '../support/apps/platforms';
import { ALLOWED_CLIENT, ModelConfig, ModelScope, rateString } from './model-config';

/** Where the app under test keeps its counters. Redis ones decide on the fake clock (`FakeClock.storeTime()`). */
export type StoreSpec =
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly url: string }
  | { readonly kind: 'cluster'; readonly nodes: string[] }
  /** A Redis nothing answers at, under `onStoreError: 'deny'`. */
  | { readonly kind: 'down'; readonly url: string };

/** What a hook of the app reads: the request's headers (Fastify and Express requests alike). */
const header = (req: any, name: string): string | undefined => req?.headers?.[name] ?? req?.raw?.headers?.[name];
const boom = (req: any, hook: string): void => {
  if (header(req, 'x-boom') === hook) throw new Error(`model: the ${hook} hook throws`);
};

/** The module options of a generated config (`keyPrefix` unique per run, so Redis runs never share keys). */
export function moduleOptions(config: ModelConfig, store: StoreSpec, keyPrefix: string): ThrottleModuleOptions {
  const scopes: Record<string, ScopeOptions> = {};
  for (const s of config.scopes) scopes[s.name] = scopeOptions(s);
  const options: ThrottleModuleOptions = { scopes, keyPrefix };
  if (config.headers !== undefined) options.headers = config.headers;
  if (config.onThrottled === 'problem') options.onThrottled = 'problem+json';
  if (config.onThrottled === 'custom') {
    options.onThrottled = (refusal) => {
      boom(refusal.request, 'onThrottled');
      return { custom: refusal.scope, retryAfter: refusal.retryAfter, limit: refusal.limit, remaining: refusal.remaining };
    };
  }
  if (store.kind === 'redis') Object.assign(options, { redis: { url: store.url }, storeTimeoutMs: 5_000 });
  if (store.kind === 'down') Object.assign(options, { redis: { url: store.url }, onStoreError: 'deny', storeBootTimeoutMs: 200 });
  if (store.kind === 'cluster') Object.assign(options, { redis: { clusterNodes: store.nodes }, storeTimeoutMs: 5_000 });
  return options;
}

function scopeOptions(s: ModelScope): ScopeOptions {
  const o: ScopeOptions = { rate: rateString(s.rate), algorithm: s.algorithm, mode: s.shadow ? 'shadow' : 'enforce' };
  if (s.burst !== undefined) o.burst = s.burst;
  if (s.cost !== undefined) o.cost = s.cost;
  if (s.key === 'header') o.key = 'header:x-client';
  if (s.key === 'user') o.key = 'user';
  if (s.key === 'function') {
    o.key = (req: any) => {
      boom(req, 'key');
      return header(req, 'x-client') ?? 'anon';
    };
  }
  if (s.allow) o.allow = [ALLOWED_CLIENT];
  if (s.blockMs !== undefined) o.blockFor = s.blockMs;
  if (s.count !== undefined) o.count = s.count;
  if (s.countIf !== undefined) {
    const statuses = s.countIf;
    o.countIf = (status: number) => statuses.includes(status);
  }
  if (s.skipIf) {
    o.skipIf = (context: ExecutionContext) => {
      const req = context.switchToHttp().getRequest();
      boom(req, 'skipIf');
      return (header(req, 'x-skip') ?? '').split(',').includes(s.name);
    };
  }
  if (s.tier !== undefined) {
    o.tiers = Object.fromEntries(Object.entries(s.tier.tiers).map(([name, rate]) => [name, rateString(rate)]));
    if (s.tier.source === 'header') o.tier = 'header:x-plan';
    if (s.tier.source === 'query') o.tier = 'query:plan';
    if (s.tier.source === 'user') o.tier = 'user:plan';
    if (s.tier.source === 'function') {
      o.tier = (req: any) => {
        boom(req, 'tier');
        return header(req, 'x-user-plan');
      };
    }
  }
  return o;
}

/** A route's handler: `{ route }`, or the status `?status=` asks for (an HttpException's). */
const answer = (route: number) => (status?: string) => {
  const code = Number(status ?? 200);
  if (code !== 200) throw new HttpException({ route, status: code }, code);
  return { route };
};

/** A controller with one handler per route, at `/r<i>`, under the route's scopes and cost; `?status=` picks its status. */
export function modelController(config: ModelConfig): Type {
  @Controller()
  class ModelController {}
  config.routes.forEach((route, i) => {
    const name = `r${i}`;
    Object.defineProperty(ModelController.prototype, name, { value: answer(i), writable: true, configurable: true });
    Query('status')(ModelController.prototype, name, 0);
    const descriptor = Object.getOwnPropertyDescriptor(ModelController.prototype, name)!;
    ThrottleScope(...route.scopes)(ModelController.prototype, name, descriptor);
    if (route.cost !== undefined) ThrottleCost(route.cost)(ModelController.prototype, name, descriptor);
    Get(name)(ModelController.prototype, name, descriptor);
  });
  return ModelController;
}

/** Authentication, as a middleware before the guards: `request.user.plan` from `x-user-plan`. */
const authenticate = (req: any): void => {
  const plan = header(req, 'x-user-plan');
  if (plan !== undefined) req.user = { id: 'u', plan };
};

/** Boots the app of `config` on `platform` and `store` under a fresh FakeClock. */
export function startModelApp(config: ModelConfig, platform: Platform, store: StoreSpec, keyPrefix: string): Promise<ThrottledApp> {
  return startThrottled(platform, {
    throttle: moduleOptions(config, store, keyPrefix),
    controllers: [modelController(config)],
    beforeGuards: authenticate,
  });
}
