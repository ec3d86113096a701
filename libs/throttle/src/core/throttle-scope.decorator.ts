import { SetMetadata } from '@nestjs/common';

export const THROTTLE_SCOPES = 'throttle:scopes';
export const SKIP_THROTTLE = 'throttle:skip';
export const THROTTLE_COST = 'throttle:cost';

/**
 * Throttles a controller (every handler) or one handler under the named scopes; the handler's
 * scopes replace its class's. Several scopes are checked atomically: a request any of them
 * refuses consumes from none. Every scope must have a rate, or the app refuses to boot.
 *
 * @example
 * @ThrottleScope('hi')
 * @Controller()
 * export class HiController {
 *   @Get('hi') hi() { ... }
 *   @ThrottleScope('burst', 'sustained') @Post('upload') upload() { ... }
 * }
 */
export function ThrottleScope(...scopes: string[]): ClassDecorator & MethodDecorator {
  if (scopes.length === 0) {
    throw new TypeError('@ThrottleScope() needs at least one scope name, e.g. @ThrottleScope("hi")');
  }
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope.trim() === '') {
      throw new TypeError(`@ThrottleScope(): scope names must be non-empty strings, got ${JSON.stringify(scope)}`);
    }
  }
  return SetMetadata(THROTTLE_SCOPES, [...new Set(scopes)]);
}

/**
 * Exempts a controller or handler from throttling (a handler may pass `false` to opt back in
 * under its class's exemption).
 *
 * @example
 * @SkipThrottle() @Get('health') health() { ... }
 */
export function SkipThrottle(skip = true): ClassDecorator & MethodDecorator {
  return SetMetadata(SKIP_THROTTLE, skip);
}

/**
 * Makes each request of a handler (or of every handler of a controller) consume `units` of every scope
 * it passes, atomically, instead of each scope's `cost` (default 1). A cost above any of those scopes'
 * limit (sliding log) or burst (GCRA), in any tier, stops boot.
 *
 * @example
 * @ThrottleScope('api') @ThrottleCost(5) @Post('export') export() { ... }
 */
export function ThrottleCost(units: number): ClassDecorator & MethodDecorator {
  if (!Number.isSafeInteger(units) || units < 1) {
    throw new TypeError(`@ThrottleCost(): the cost must be a whole number >= 1, got ${JSON.stringify(units)}`);
  }
  return SetMetadata(THROTTLE_COST, units);
}
