import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { writeHeaders } from './headers';
import { hashIdentity } from './identity';
import { ThrottleRule, ThrottleStorage, ThrottleStoreUnavailableError } from './storage/throttle-storage';
import { THROTTLE_CONFIG } from './throttle.constants';
import { ThrottleException, ThrottleStoreUnavailableException } from './throttle.exception';
import { ThrottleConfig } from './throttle-options';
import { ThrottleRoutes } from './throttle-routes';

/**
 * The global guard the module registers: resolves each scope's identity, asks the store once for
 * all of the route's scopes, writes the rate-limit headers, and throws a 429 when refused.
 */
@Injectable()
export class ThrottleGuard implements CanActivate {
  constructor(
    private readonly routes: ThrottleRoutes,
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const plan = this.routes.planFor(context.getHandler(), context.getClass());
    if (plan === null) return true;
    const http = context.switchToHttp();
    const request = http.getRequest();
    const scopes = plan.scopes;
    const rules: ThrottleRule[] = new Array(scopes.length);
    for (let i = 0; i < scopes.length; i++) {
      const s = scopes[i];
      rules[i] = { key: s.keyPrefix + hashIdentity(s.identity(request, context)) + '}', limit: s.limit, windowMs: s.windowMs };
    }
    let decision;
    try {
      decision = await this.storage.consume({ rules });
    } catch (error) {
      if (error instanceof ThrottleStoreUnavailableError) throw new ThrottleStoreUnavailableException();
      throw error;
    }
    const retryAfter = writeHeaders(http.getResponse(), scopes, plan.policy, decision, this.config.headers);
    if (decision.allowed) return true;
    let refused = 0;
    for (let i = 1; i < decision.states.length; i++) {
      if (decision.states[i].retryAfterMs > decision.states[refused].retryAfterMs) refused = i;
    }
    throw new ThrottleException(scopes[refused].name, retryAfter);
  }
}
