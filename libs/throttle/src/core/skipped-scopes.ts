import type { ExecutionContext } from '@nestjs/common';
import type { OtelThrottleMetrics } from '../metrics/otel-metrics';
import type { ThrottleMetrics } from '../metrics/throttle-metrics';
import type { CompiledScope } from '../options/normalize-options';

/** The scopes the request does not skip (the same array when it skips none); skipped ones are counted. */
export function unskippedScopes(
  scopes: readonly CompiledScope[],
  request: any,
  context: ExecutionContext | undefined,
  metrics: ThrottleMetrics | undefined,
  otel: OtelThrottleMetrics | undefined,
): readonly CompiledScope[] {
  let kept: CompiledScope[] | undefined;
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i];
    if (s.skip?.(request, context) === true) {
      metrics?.countResult(s.name, 'skipped');
      otel?.countResult(s.name, 'skipped');
      kept ??= scopes.slice(0, i);
    } else kept?.push(s);
  }
  return kept ?? scopes;
}
