import type { LoggerService } from '@nestjs/common';
import type { CircuitState } from '../circuit-breaker';
import type { OnStoreError } from './resilient-options';

const POLICY_TEXT: Record<OnStoreError, string> = {
  local: 'falling back to local limits (per process)',
  allow: 'admitting every request (onStoreError: allow)',
  deny: 'refusing requests with 503 (onStoreError: deny)',
};

/**
 * The one log line of a circuit change: a store (or, on a Redis Cluster, one master: `shard`) that
 * became unavailable, with what the policy does now, or that is back. Half-open probes are not logged.
 *
 * @example
 * logCircuitChange(logger, 'Redis store cluster 10.0.0.5:6379', 'local', '10.0.0.7:6379', 'closed', 'open', 'ECONNREFUSED');
 * // Redis store cluster 10.0.0.5:6379: master 10.0.0.7:6379 unavailable (ECONNREFUSED): falling back to local limits (per process) for its slots
 */
export function logCircuitChange(
  logger: LoggerService,
  store: string,
  policy: OnStoreError,
  shard: string,
  from: CircuitState,
  to: CircuitState,
  reason: string,
): void {
  const what = shard === '' ? store : `${store}: master ${shard}`;
  if (from === 'closed' && to === 'open') {
    logger.warn(`${what} unavailable (${reason}): ${POLICY_TEXT[policy]}${shard === '' ? '' : ' for its slots'}`);
  } else if (to === 'closed') {
    logger.log(`${what} back (${reason}): shared limits resumed${shard === '' ? '' : ' for its slots'}`);
  }
}
