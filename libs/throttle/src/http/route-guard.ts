import { GUARDS_METADATA } from '@nestjs/common/constants';
import { ThrottleGuard } from './throttle.guard';

/**
 * Set on a request whose route names {@link ThrottleGuard} in its own `@UseGuards`: the global guard left
 * it to that guard, and the Fastify fast lane never decides that route (it would run before the route's
 * authentication).
 */
export const THROTTLE_ROUTE_GUARDED = Symbol('throttle.routeGuarded');

const named = new WeakMap<Function, boolean>();

/**
 * Whether the handler or its class names {@link ThrottleGuard} (or a subclass) in `@UseGuards(...)`. Such a
 * route is decided by that guard, after the guards listed before it (authentication), not by the global one.
 *
 * @example
 * @UseGuards(AuthGuard, ThrottleGuard) @Controller() class C {} // routeNamesThrottleGuard(C.prototype.m, C) === true
 */
export function routeNamesThrottleGuard(handler: Function, type: Function): boolean {
  return namesGuard(handler) || namesGuard(type);
}

function namesGuard(target: Function): boolean {
  let found = named.get(target);
  if (found === undefined) {
    const guards: unknown[] = Reflect.getMetadata(GUARDS_METADATA, target) ?? [];
    found = guards.some(
      (g) => g === ThrottleGuard || g instanceof ThrottleGuard || (typeof g === 'function' && g.prototype instanceof ThrottleGuard),
    );
    named.set(target, found);
  }
  return found;
}
