import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { THROTTLE_CONFIG } from './throttle.constants';
import { CompiledScope, ThrottleConfig, ThrottleConfigError } from './throttle-options';
import { SKIP_THROTTLE, THROTTLE_SCOPES } from './throttle-scope.decorator';

/** What the guard does for one handler, computed once. */
export interface RoutePlan {
  readonly scopes: readonly CompiledScope[];
  /** The `RateLimit-Policy` value of all the route's scopes. */
  readonly policy: string;
  /** Every identity is known before Nest's pipeline (ip, header, query): the Fastify fast lane may refuse it. */
  readonly fastLane: boolean;
}

/**
 * Reads every `@ThrottleScope`/`@SkipThrottle` at boot, refuses to start on unknown scopes or bad
 * rates (one error listing every problem), and hands the guard a precomputed plan per handler.
 */
@Injectable()
export class ThrottleRoutes implements OnModuleInit {
  private readonly logger = new Logger('Throttle');
  private readonly plans = new Map<Function, RoutePlan | null>();
  private readonly byRoute = new Map<string, Map<string, RoutePlan | null>>();

  constructor(
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const problems = [...this.config.problems];
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype as Function | undefined;
      if (!type?.prototype) continue;
      for (const method of this.scanner.getAllMethodNames(type.prototype)) {
        const handler = type.prototype[method] as Function;
        const names = this.scopesOf(handler, type);
        for (const name of names) {
          if (!this.config.scopeNames.includes(name)) {
            problems.push(`unknown scope "${name}" on ${type.name}.${method} (known scopes: ${this.known()})`);
          }
        }
        this.plans.set(handler, this.compile(handler, type, names));
      }
    }
    if (problems.length > 0) throw new ThrottleConfigError(problems);
  }

  /** The plan of a handler, or null when it is not throttled. */
  planFor(handler: Function, type: Function): RoutePlan | null {
    let plan = this.plans.get(handler);
    if (plan === undefined) {
      const names = this.scopesOf(handler, type);
      const missing = names.filter((n) => !this.config.scopes.has(n));
      if (missing.length > 0) {
        this.logger.error(`${type.name}.${handler.name} names unknown scopes ${missing.join(', ')}; not throttled`);
      }
      plan = this.compile(handler, type, names);
      this.plans.set(handler, plan);
    }
    return plan;
  }

  /** The plan the guard saw for this HTTP route (method and route pattern), if any yet. */
  learned(method: string, url: string | undefined): RoutePlan | null | undefined {
    return url === undefined ? undefined : this.byRoute.get(url)?.get(method);
  }

  /** Records which plan serves a route, so the fast lane can find it before Nest routes the request. */
  learn(method: string, url: string | undefined, plan: RoutePlan | null): void {
    if (url === undefined) return;
    let methods = this.byRoute.get(url);
    if (methods === undefined) this.byRoute.set(url, (methods = new Map()));
    methods.set(method, plan);
  }

  private scopesOf(handler: Function, type: Function): string[] {
    return this.reflector.getAllAndOverride<string[]>(THROTTLE_SCOPES, [handler, type]) ?? [];
  }

  private compile(handler: Function, type: Function, names: string[]): RoutePlan | null {
    if (this.reflector.getAllAndOverride<boolean>(SKIP_THROTTLE, [handler, type]) === true) return null;
    const scopes = names.map((n) => this.config.scopes.get(n)).filter((s): s is CompiledScope => s !== undefined);
    if (scopes.length === 0) return null;
    const fastLane = scopes.every((s) => s.keyLabel === 'ip' || /^(header|query):/.test(s.keyLabel));
    return { scopes, policy: scopes.map((s) => s.policy).join(', '), fastLane };
  }

  private known(): string {
    return this.config.scopeNames.length > 0 ? this.config.scopeNames.join(', ') : 'none configured';
  }
}
