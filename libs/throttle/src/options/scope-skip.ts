import type { ExecutionContext } from '@nestjs/common';
import type { ClientIpResolver } from '../identity/client-ip';
import { requestIp } from '../identity/identity';
import type { compileIpRanges } from '../identity/ip-ranges';
import { ThrottleHookError } from './hook-error';
import type { SkipIf } from './throttle-options';

/**
 * A scope's skip test: the request skips it when its client IP is on the allow list (global or the
 * scope's), or, in a Nest context, when a `skipIf` says so (a throwing `skipIf` becomes a {@link ThrottleHookError}).
 * Undefined when nothing can skip the scope.
 */
export function skipOf(
  scope: string,
  ranges: ReturnType<typeof compileIpRanges> | undefined,
  skipIfs: SkipIf[],
  clientIp: ClientIpResolver,
): ((request: any, context: ExecutionContext | undefined) => boolean) | undefined {
  if (ranges === undefined && skipIfs.length === 0) return undefined;
  return (request, context) => {
    if (ranges !== undefined && ranges.contains(requestIp(request, clientIp).replace(/\/64$/, ''))) return true;
    if (context === undefined) return false;
    for (const skipIf of skipIfs) if (callSkipIf(skipIf, context, scope)) return true;
    return false;
  };
}

function callSkipIf(skipIf: SkipIf, context: ExecutionContext, scope: string): boolean {
  try {
    return skipIf(context) === true;
  } catch (error) {
    throw new ThrottleHookError('skipIf', scope, error);
  }
}
