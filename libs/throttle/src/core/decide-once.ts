import type { ExecutionContext } from '@nestjs/common';
import type { RoutePlan, RoutePlans } from './route-plans';
import { isPending, Verdict } from './decider';

/**
 * What throttles one kind of execution context other than HTTP (`graphql`, `ws`): {@link ThrottleGuard}
 * hands it every call of that `context.getType()`. The module registers the handlers under
 * {@link THROTTLE_CONTEXTS}; a new context (gRPC, microservices) is one handler and one entry there.
 */
export interface ContextThrottle {
  canActivate(context: ExecutionContext): boolean | Promise<boolean>;
}

/** The context handlers by `context.getType()`, registered by the module. */
export type ContextThrottles = ReadonlyMap<string, ContextThrottle>;

/** DI token of the {@link ContextThrottles} map (internal: the guard reads it). */
export const THROTTLE_CONTEXTS = Symbol('THROTTLE_CONTEXTS');

/**
 * The "decide once per call" seam every context shares: finds the call's route plan, passes a call
 * without one, or one already decided (the guard named twice: globally and in `@UseGuards`), and
 * otherwise `decide`s it once and lets `admit` turn the verdict into `true` or a thrown refusal.
 *
 * @example
 * canActivate(context) {
 *   return decideOnce(this.decided, this.routes, context, (plan) => this.decider.decide(plan, req, context, undefined), admit);
 * }
 */
export function decideOnce(
  decided: WeakSet<object>,
  routes: RoutePlans,
  context: ExecutionContext,
  decide: (plan: RoutePlan) => Verdict | Promise<Verdict>,
  admit: (verdict: Verdict) => boolean,
): boolean | Promise<boolean> {
  const plan = routes.planFor(context.getHandler(), context.getClass());
  const call = context.getArgs();
  if (plan === null || decided.has(call)) return true;
  decided.add(call);
  const verdict = decide(plan);
  return isPending(verdict) ? verdict.then(admit) : admit(verdict);
}
