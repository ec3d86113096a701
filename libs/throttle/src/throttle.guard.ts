import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { writeHeaders } from './headers';
import { ThrottleMetrics } from './metrics/throttle-metrics';
import { buildRules, THROTTLE_DECIDED } from './rules';
import { isPromise, ThrottleDecision, ThrottleStorage, ThrottleStoreUnavailableError } from './storage/throttle-storage';
import { THROTTLE_CONFIG } from './throttle.constants';
import { refusedScope, ThrottleException, ThrottleStoreUnavailableException } from './throttle.exception';
import { ThrottleConfig } from './throttle-options';
import { RoutePlan, ThrottleRoutes } from './throttle-routes';

/**
 * The global guard the module registers: resolves each scope's identity, asks the store once for
 * all of the route's scopes, writes the rate-limit headers, and throws a 429 when refused. On Fastify,
 * requests the fast lane already decided pass straight through.
 */
@Injectable()
export class ThrottleGuard implements CanActivate {
  constructor(
    private readonly routes: ThrottleRoutes,
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    @Optional() private readonly metrics?: ThrottleMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest();
    if (request[THROTTLE_DECIDED] === true) return true;
    const plan = this.routes.planFor(context.getHandler(), context.getClass());
    // Teach the fast lane which plan serves this route (Fastify), so later requests skip Nest's pipeline.
    if (request.routeOptions !== undefined) this.routes.learn(request.routeOptions.config, plan);
    if (plan === null) return true;
    const rules = buildRules(plan, request, context);
    const decision = this.storage.decide({ rules });
    if (!isPromise(decision)) return this.conclude(plan, decision, http.getResponse());
    return decision.then(
      (decision) => this.conclude(plan, decision, http.getResponse()),
      (error: unknown) => {
        throw error instanceof ThrottleStoreUnavailableError ? new ThrottleStoreUnavailableException() : error;
      },
    );
  }

  private conclude(plan: RoutePlan, decision: ThrottleDecision, response: any): boolean {
    const retryAfter = writeHeaders(response, plan.scopes, plan.policy, decision, this.config.headers);
    this.metrics?.countDecision(plan.scopes, decision.allowed);
    if (decision.allowed) return true;
    throw new ThrottleException(plan.scopes[refusedScope(decision)].name, retryAfter);
  }
}
