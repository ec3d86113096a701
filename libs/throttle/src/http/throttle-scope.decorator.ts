import { SetMetadata } from '@nestjs/common';

export const THROTTLE_SCOPES = 'throttle:scopes';
export const SKIP_THROTTLE = 'throttle:skip';

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
