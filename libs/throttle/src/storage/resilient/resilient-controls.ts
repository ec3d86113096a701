import type { ThrottleDecision, ThrottleRequest, ThrottleStorage } from '../throttle-storage';
import { ThrottleStoreUnavailableError } from '../throttle-storage';
import type { DenyCache } from './deny-cache';
import type { OnStoreError, PrimaryStorage } from './resilient-options';
import type { Attempt } from './shard-breakers';

/** What {@link ResilientControls} needs of the wrapper around the shared store. */
export interface ControlsHost {
  readonly primary: PrimaryStorage;
  readonly fallback: ThrottleStorage;
  readonly policy: OnStoreError;
  readonly storeName: string;
  readonly denyCache?: DenyCache;
  /** The wrapper's clock (ms), as the deny cache reads it. */
  now(): number;
  attempt<T>(request: ThrottleRequest, call: () => Promise<T>): Promise<Attempt<T>>;
}

/**
 * The runtime controls of `ResilientThrottleStorage` (`peek`, `refund`, `reset`), under its timeout and
 * breaker; on failure, as {@link peekByPolicy} says. A refund or reset also drops the keys from this
 * process's deny cache (other instances hear of it through the store: `watchForgotten`) and a reset
 * from the local fallback store.
 *
 * @example
 * const controls = new ResilientControls({ primary, fallback, policy: 'local', storeName: 'redis', attempt });
 */
export class ResilientControls {
  constructor(private readonly host: ControlsHost) {}

  async peek(request: ThrottleRequest): Promise<ThrottleDecision> {
    const { primary, policy, fallback, storeName } = this.host;
    const peek = required(primary, 'peek');
    const done = await this.host.attempt(request, () => peek(request));
    return done.ok ? done.value : peekByPolicy(policy, fallback, request, storeName);
  }

  async refund(request: ThrottleRequest): Promise<number[]> {
    const refund = required(this.host.primary, 'refund');
    const done = await this.host.attempt(request, () => refund(request));
    if (!done.ok) throw unavailable(this.host.storeName, 'refund');
    this.host.denyCache?.forget(request.rules.map((rule) => rule.key));
    return done.value;
  }

  async block(request: ThrottleRequest, blockMs: number): Promise<number[]> {
    const block = required(this.host.primary, 'block');
    const sentAt = this.host.now();
    const done = await this.host.attempt(request, () => block(request, blockMs));
    if (!done.ok) throw unavailable(this.host.storeName, 'block');
    // The keys are full until their block ends: this process refuses them locally until then.
    this.host.denyCache?.rememberBlocks(request, done.value, sentAt);
    return done.value;
  }

  async reset(keys: readonly string[]): Promise<void> {
    const reset = required(this.host.primary, 'reset');
    const request = { rules: keys.map((key) => ({ key, limit: 1, windowMs: 1 })) }; // for the shard of the keys
    const done = await this.host.attempt(request, () => reset(keys));
    if (!done.ok) throw unavailable(this.host.storeName, 'reset');
    this.host.denyCache?.forget(keys);
    await this.host.fallback.reset?.(keys);
  }
}

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
export function required<K extends 'peek' | 'refund' | 'reset' | 'block'>(
  store: ThrottleStorage,
  method: K,
): NonNullable<ThrottleStorage[K]> {
  const fn = store[method];
  if (typeof fn !== 'function') {
    throw new TypeError(
      `${store.constructor.name} does not implement ${method}(): ThrottleService needs it (see ThrottleStorage.${method})`,
    );
  }
  return fn.bind(store) as NonNullable<ThrottleStorage[K]>;
}
