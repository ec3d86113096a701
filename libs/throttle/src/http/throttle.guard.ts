import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { RoutePlans } from './route-plans';
import { isPending, THROTTLE_DECIDED, ThrottleDecider, Verdict } from './throttle-decision';
import { ThrottleException, ThrottleStoreUnavailableException } from './throttle.exception';

/**
 * The global guard the module registers: asks the store once for all of the route's scopes, writes the
 * rate-limit headers, and throws a 429 (or the `deny` policy's 503) when refused. Idempotent per
 * request: a request already decided (by the Fastify fast lane, or by this guard registered twice
 * through `@UseGuards(ThrottleGuard)`) passes straight through and is counted once.
 *
 * @example
 * // Registered globally by ThrottleModule; nothing to do. To throttle after your own auth guard, register
 * // that guard globally before ThrottleModule (see the README, "user keys and authentication").
 */
@Injectable()
export class ThrottleGuard implements CanActivate {
  constructor(
    private readonly routes: RoutePlans,
    private readonly decider: ThrottleDecider,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest();
    if (request[THROTTLE_DECIDED] !== undefined) return true;
    const plan = this.routes.planFor(context.getHandler(), context.getClass());
    if (plan === null) {
      request[THROTTLE_DECIDED] = null;
      return true;
    }
    const verdict = this.decider.decide(plan, request, context, http.getResponse());
    return isPending(verdict) ? verdict.then(admit) : admit(verdict);
  }
}

function admit(verdict: Verdict): boolean {
  if (verdict === undefined) return true;
  throw verdict.status === 429 ? new ThrottleException(verdict.scope, verdict.retryAfter) : new ThrottleStoreUnavailableException();
}
