import type { ThrottleDecision, ThrottleRequest, ThrottleStorage } from '../throttle-storage';
import { ThrottleStoreUnavailableError } from '../throttle-storage';
import type { OnStoreError } from './resilient-options';

/**
 * What `ThrottleService` calls do when the shared store cannot answer (timeout, error, open circuit):
 * `check` follows `onStoreError` like a request (`local`: this process's fallback store peeks, `allow`:
 * admitted, `deny`: {@link ThrottleStoreUnavailableError}); `refund`, `reset` and `block` change shared
 * state that no local store can stand in for, so they throw {@link ThrottleStoreUnavailableError}.
 *
 * @example
 * if (failed) return peekByPolicy('local', fallback, request, 'redis');
 */
export async function peekByPolicy(
  policy: OnStoreError,
  fallback: ThrottleStorage,
  request: ThrottleRequest,
  storeName: string,
): Promise<ThrottleDecision> {
  if (policy === 'deny') throw unavailable(storeName, 'check', '(onStoreError: deny)');
  if (policy === 'allow' || fallback.peek === undefined) {
    const states = request.rules.map((rule) => ({ remaining: rule.limit - (rule.cost ?? 1), resetMs: rule.windowMs, retryAfterMs: 0 }));
    return { allowed: true, states };
  }
  return fallback.peek(request);
}

/** The error of a call that needs the shared store while it is down: names the call and what to do. */
export function unavailable(
  storeName: string,
  call: string,
  detail = '(retry when it is back; nothing was changed)',
): ThrottleStoreUnavailableError {
  return new ThrottleStoreUnavailableError(`The ${storeName} throttle store is unavailable: ${call} needs it ${detail}`);
}

/** The store's optional method, or a clear error naming the call it cannot serve. */
export function required<K extends 'peek' | 'refund' | 'reset'>(store: ThrottleStorage, method: K): NonNullable<ThrottleStorage[K]> {
  const fn = store[method];
  if (typeof fn !== 'function') {
    throw new TypeError(
      `${store.constructor.name} does not implement ${method}(): ThrottleService needs it (see ThrottleStorage.${method})`,
    );
  }
  return fn.bind(store) as NonNullable<ThrottleStorage[K]>;
}
