import type { ExecutionContext } from '@nestjs/common';
import { hashIdentity } from './identity';
import type { ThrottleRule } from './storage/throttle-storage';
import type { RoutePlan } from './throttle-routes';

/** Set on a request the Fastify fast lane has already admitted (headers written): the guard lets it through. */
export const THROTTLE_DECIDED = Symbol('throttle.decided');

/**
 * The store rules of one request: per scope, its key `<scope>:{<hashed identity>}`, limit and window.
 *
 * @example
 * buildRules(plan, request, context); // [{ key: 'hi:{Xb3…}', limit: 60, windowMs: 60000 }]
 */
export function buildRules(plan: RoutePlan, request: any, context: ExecutionContext | undefined): ThrottleRule[] {
  const scopes = plan.scopes;
  const rules: ThrottleRule[] = new Array(scopes.length);
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i];
    const identity = s.identity(request, context as ExecutionContext);
    rules[i] = { key: s.keyPrefix + hashIdentity(identity) + '}', limit: s.limit, windowMs: s.windowMs };
  }
  return rules;
}
