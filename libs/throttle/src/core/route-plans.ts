import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { algorithmNamed } from '../algorithms/registry';
import { THROTTLE_CONFIG } from './throttle.tokens';
import { ThrottleConfigError } from '../options/grammar/config-error';
import type { CompiledScope, ThrottleConfig } from '../options/normalize-options';
import type { LeaseScope } from '../concurrency/lease-options';
import { PRIORITIES, ShedPriority } from '../shedding/shed-options';
import { SKIP_THROTTLE, THROTTLE_COST, THROTTLE_SCOPES } from './throttle-scope.decorator';

/** What the guard does for one handler, computed once. */
export interface RoutePlan {
  readonly scopes: readonly CompiledScope[];
  /** The `RateLimit-Policy` value of the route's enforced scopes. */
  readonly policy: string;
  /** Every identity is known before Nest's guards run (ip, header, query) and no `skipIf` needs the context: the Fastify fast lane may decide it. */
  readonly fastLane: boolean;
  /** No scope is in shadow mode and none can be skipped: the decision is one store call, nothing more. */
  readonly plain: boolean;
  /** The route's `@ThrottleCost`, replacing each scope's `cost`; undefined when it names none. */
  readonly cost: number | undefined;
  /** The route's scopes with a concurrency limit (undefined or empty: none; see `concurrency/lease-gate.ts`). */
  readonly leases?: readonly LeaseScope[];
  /** The most important priority among the route's scopes (load shedding); undefined: `normal`. */
  readonly priority?: ShedPriority;
}

/**
 * Reads every `@ThrottleScope`/`@SkipThrottle` at boot (on controllers, and on providers: GraphQL
 * resolvers, WebSocket gateways), refuses to start on unknown scopes or bad rates (one error listing
 * every problem), and hands the guard a precomputed plan per handler.
 */
@Injectable()
export class RoutePlans implements OnModuleInit {
  private readonly logger = new Logger('Throttle');
  /** Plans by controller (resolver, gateway) class, then handler (a handler inherited by two classes has two plans). */
  private readonly plans = new Map<Function, Map<Function, RoutePlan | null>>();

  constructor(
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const problems = new Set(this.config.problems);
    const scanned = new Set<Function>();
    for (const wrapper of this.discovery.getControllers()) this.scan(wrapper.metatype, scanned, problems, false);
    // Resolvers and gateways are providers: scan those that name scopes (a provider's metatype may be a factory).
    for (const wrapper of this.discovery.getProviders()) this.scan(wrapper.metatype, scanned, problems, true);
    if (problems.size > 0) throw new ThrottleConfigError([...problems]);
  }

  /** Validates the scopes a class names and plans its handlers (a provider's only when it names scopes). */
  private scan(metatype: unknown, scanned: Set<Function>, problems: Set<string>, onlyNamed: boolean): void {
    const type = metatype as Function | undefined | null;
    if (typeof type !== 'function' || !type.prototype || scanned.has(type)) return;
    scanned.add(type);
    for (const method of this.scanner.getAllMethodNames(type.prototype)) {
      const handler = type.prototype[method] as Function;
      const names = this.scopesOf(handler, type);
      if (onlyNamed && names.length === 0) continue;
      const cost = this.costOf(handler, type);
      for (const name of names) {
        if (!this.config.scopeNames.includes(name)) {
          problems.add(`unknown scope "${name}" on ${type.name}.${method} (known scopes: ${this.known()})`);
        }
        const scope = this.config.scopes.get(name);
        if (cost !== undefined && scope !== undefined && cost > scope.maxCost) {
          const what = algorithmNamed(scope.algorithm).capacityName;
          problems.add(`@ThrottleCost(${cost}) on ${type.name}.${method} exceeds scope "${name}"'s ${what} ${scope.maxCost}`);
        }
      }
      this.remember(type, handler, this.compile(handler, type, names));
    }
  }

  /** The plan of a handler, or null when it is not throttled. */
  planFor(handler: Function, type: Function): RoutePlan | null {
    let plan = this.plans.get(type)?.get(handler);
    if (plan === undefined) {
      const names = this.scopesOf(handler, type);
      const missing = names.filter((n) => !this.config.scopes.has(n) && !this.config.leases.has(n));
      if (missing.length > 0) {
        this.logger.error(`${type.name}.${handler.name} names unknown scopes ${missing.join(', ')}; not throttled`);
      }
      plan = this.compile(handler, type, names);
      const cost = this.costOf(handler, type);
      if (plan !== null && cost !== undefined && plan.cost === undefined) {
        // Boot reports such a cost as a problem; only a handler first planned now (never scanned) gets here.
        this.logger.error(`@ThrottleCost(${cost}) on ${type.name}.${handler.name} exceeds a scope's limit; each scope's own cost used`);
      }
      this.remember(type, handler, plan);
    }
    return plan;
  }

  private remember(type: Function, handler: Function, plan: RoutePlan | null): void {
    let byHandler = this.plans.get(type);
    if (byHandler === undefined) this.plans.set(type, (byHandler = new Map()));
    byHandler.set(handler, plan);
  }

  private costOf(handler: Function, type: Function): number | undefined {
    return this.reflector.getAllAndOverride<number | undefined>(THROTTLE_COST, [handler, type]);
  }

  private scopesOf(handler: Function, type: Function): string[] {
    return this.reflector.getAllAndOverride<string[]>(THROTTLE_SCOPES, [handler, type]) ?? [];
  }

  private compile(handler: Function, type: Function, names: string[]): RoutePlan | null {
    if (this.reflector.getAllAndOverride<boolean>(SKIP_THROTTLE, [handler, type]) === true) return null;
    const scopes = names.map((n) => this.config.scopes.get(n)).filter((s): s is CompiledScope => s !== undefined);
    const leases = names.map((n) => this.config.leases.get(n)).filter((s): s is LeaseScope => s !== undefined);
    if (scopes.length === 0 && leases.length === 0) return null;
    const fastLane =
      scopes.every((s) => s.identity.beforeGuards && !s.needsContext && (s.tier?.beforeGuards ?? true)) &&
      leases.every((l) => l.identity.beforeGuards && !l.needsContext);
    const plain = scopes.every((s) => !s.shadow && s.skip === undefined);
    const cost = this.costOf(handler, type);
    // A cost some scope of the route cannot hold never applies: boot refuses it (scan), a handler planned later logs it (planFor).
    const usable = cost === undefined || scopes.every((s) => cost <= s.maxCost);
    return {
      scopes,
      policy: policyOf(scopes),
      fastLane,
      plain,
      cost: usable ? cost : undefined,
      leases: leases.length > 0 ? leases : undefined,
      priority: this.priorityOf(names),
    };
  }

  /** The most important of the scopes' priorities (a route with a critical scope is never shed). */
  private priorityOf(names: readonly string[]): ShedPriority {
    const ranks = names.map((n) => PRIORITIES.indexOf(this.config.priorities.get(n) ?? 'normal'));
    return PRIORITIES[Math.min(...ranks)];
  }

  private known(): string {
    return this.config.scopeNames.length > 0 ? this.config.scopeNames.join(', ') : 'none configured';
  }
}

/** The `RateLimit-Policy` value of some scopes: their enforced ones' (shadow scopes send no headers). */
export function policyOf(scopes: readonly CompiledScope[]): string {
  return scopes
    .filter((s) => !s.shadow)
    .map((s) => s.policy)
    .join(', ');
}
