import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { writeHeaders } from './headers';
import { ScopeDecisionCounters, ThrottleMetrics } from './metrics/throttle-metrics';
import { buildRules, THROTTLE_RULES } from './rules';
import { ThrottleDecision, ThrottleRule, ThrottleStorage, ThrottleStoreUnavailableError } from './storage/throttle-storage';
import { THROTTLE_CONFIG } from './throttle.constants';
import { refusedScope, ThrottleException, ThrottleStoreUnavailableException } from './throttle.exception';
import { ThrottleConfig } from './throttle-options';
import { ThrottleRoutes } from './throttle-routes';

/**
 * The global guard the module registers: resolves each scope's identity, asks the store once for
 * all of the route's scopes, writes the rate-limit headers, and throws a 429 when refused.
 */
@Injectable()
export class ThrottleGuard implements CanActivate {
  private readonly counters = new Map<string, ScopeDecisionCounters>();

  constructor(
    private readonly routes: ThrottleRoutes,
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    @Optional() metrics?: ThrottleMetrics,
  ) {
    if (metrics) for (const name of config.scopes.keys()) this.counters.set(name, metrics.scopeCounters(name));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const plan = this.routes.planFor(context.getHandler(), context.getClass());
    const http = context.switchToHttp();
    const request = http.getRequest();
    let rules: ThrottleRule[] | undefined = request[THROTTLE_RULES];
    if (rules === undefined) {
      // First time this route is seen (or not Fastify): teach the fast lane which plan serves it.
      if (request.routeOptions !== undefined) this.routes.learn(request.method, request.routeOptions.url, plan);
      if (plan === null) return true;
      rules = buildRules(plan, request, context);
    }
    if (plan === null) return true;
    let decision: ThrottleDecision;
    try {
      decision = await this.storage.consume({ rules });
    } catch (error) {
      if (error instanceof ThrottleStoreUnavailableError) throw new ThrottleStoreUnavailableException();
      throw error;
    }
    const retryAfter = writeHeaders(http.getResponse(), plan.scopes, plan.policy, decision, this.config.headers);
    if (this.counters.size > 0) {
      for (const s of plan.scopes) this.counters.get(s.name)?.[decision.allowed ? 'allowed' : 'throttled'].inc();
    }
    if (decision.allowed) return true;
    throw new ThrottleException(plan.scopes[refusedScope(decision)].name, retryAfter);
  }
}
