import type { ThrottleAlgorithm } from './algorithm-names';
import type { ThrottleStoreEvents } from './store-events';

export type { ThrottleAlgorithm };

/**
 * One counter to check, at the rate `limit` per `windowMs`:
 * - `sliding-log` (default): admitted iff the units admitted under `key` in the trailing `windowMs`,
 *   plus this request's `cost`, stay within `limit`; an admission logs `cost` units at now.
 * - `gcra`: the key holds one number, its theoretical arrival time `tat` (integer microseconds). With the
 *   emission interval `T = ceil(windowMs * 1000 / limit)` µs: `next = max(tat, now) + cost * T`; admitted
 *   iff `next - now <= burst * T`, and then `tat = next`. So `burst` requests pass at once when idle,
 *   then one per `T`; a request is admitted at the very microsecond its interval has elapsed.
 * - `fixed-window`: the key holds a count and its window's end; admitted iff the count in the current
 *   window plus `cost` stays within `limit`. The first admission after a window's end opens the next
 *   one, `windowMs` long; the count restarts from zero there.
 * Each algorithm is one unit in `algorithms/` (docs/algorithms.md compares them).
 * `cost` never exceeds `limit` (sliding log) or `burst` (GCRA): the module refuses such a config at boot.
 */
export interface ThrottleRule {
  /** The store key for one (scope, identity); identical across routes of the scope. */
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
  /** The scope the key belongs to, when the caller knows it (the module's guard always does); else read from the key. */
  readonly scope?: string;
  /** Default `sliding-log`. A key is only ever used with one algorithm (the module's keys say which: `store-key.ts`). */
  readonly algorithm?: ThrottleAlgorithm;
  /** Units this request consumes; default 1. */
  readonly cost?: number;
  /** GCRA only: requests (units) admissible at once when the key is idle; default `limit`. */
  readonly burst?: number;
  /**
   * Sliding log only: how long the key keeps its admissions, in ms; default (and at least) `windowMs`.
   * The key is trimmed and expires by it, while the rule counts only its own trailing `windowMs`. The
   * module sets it to the longest window among a scope's rates, so a key decided under different rates
   * over time (a user the server moves between tiers) loses no history a longer rate still counts.
   */
  readonly retainMs?: number;
}

/** How long a rule's key keeps its admissions: its `retainMs`, never less than its window. */
export function retainOf(rule: ThrottleRule): number {
  return rule.retainMs !== undefined && rule.retainMs > rule.windowMs ? rule.retainMs : rule.windowMs;
}

/** What the guard asks the store: every rule is checked, then all are recorded or none. */
export interface ThrottleRequest {
  readonly rules: readonly ThrottleRule[];
}

/** The state of one rule after the decision, in milliseconds. */
export interface RuleState {
  /** Units still admissible now (after this request, if admitted): in the trailing window, or left in the GCRA bucket. */
  readonly remaining: number;
  /**
   * Milliseconds until more quota becomes available: the oldest logged admission leaves the window
   * (sliding log), the bucket regains one unit (GCRA); 0 if nothing is logged (the bucket is full).
   */
  readonly resetMs: number;
  /** Milliseconds until this rule would admit this request (its cost) again; 0 when it admits now. */
  readonly retryAfterMs: number;
  /**
   * Only on a refusal that counted admissions another request may still withdraw (Redis Cluster: a
   * request whose scopes span slots logs its admission slot by slot, and withdraws it when a later slot
   * refuses). How long the rule stays full whatever happens to those: at most `retryAfterMs`, 0 when it
   * could admit once they are withdrawn. The local deny cache remembers the key only this long.
   * Absent: `retryAfterMs` is certain.
   */
  readonly certainRetryAfterMs?: number;
  /**
   * The limit this state was decided under, when it is not the rule's: the `local` fallback's share
   * of it (`ceil(limit / instances)`). The rate-limit headers report it. Absent: the rule's limit.
   */
  readonly limit?: number;
}

/** The store's answer: `states[i]` describes `rules[i]`. */
export interface ThrottleDecision {
  readonly allowed: boolean;
  readonly states: readonly RuleState[];
}

/**
 * The storage contract and its DI token. Implementations must be exact, as {@link ThrottleRule} defines each
 * algorithm: a request is admitted iff every rule admits its cost, and a refused request is recorded
 * under no rule. One required method, {@link consume}; stores that
 * can sometimes decide without waiting also implement {@link decideSync}.
 *
 * @example
 * // Provide your own store: ThrottleModule.forRoot({ scopes, storage: new MyStorage() })
 * class MyStorage extends ThrottleStorage {
 *   async consume(request: ThrottleRequest): Promise<ThrottleDecision> { ... }
 * }
 */
export abstract class ThrottleStorage {
  /** Decides one request: checks every rule, then records the admission under all of them or none. */
  abstract consume(request: ThrottleRequest): Promise<ThrottleDecision>;

  /**
   * Optional fast path: the decision {@link consume} would give, made now without waiting (and, when it
   * admits, recorded just as `consume` records it), or `undefined` when only `consume` can tell. The
   * memory store always answers; a shared store answers refusals from its local deny cache. The guard
   * and the Fastify fast lane call it first, so such decisions cost no promise.
   */
  decideSync?(request: ThrottleRequest): ThrottleDecision | undefined;

  /**
   * Optional: the decision {@link consume} would give now, recording nothing (an admitted state says
   * what the request would leave: `remaining` after it). `ThrottleService.check` uses it.
   */
  peek?(request: ThrottleRequest): Promise<ThrottleDecision>;

  /**
   * Optional: takes back the newest admissions of each rule's key, `cost` units per rule, never below
   * zero: a sliding log drops its newest `cost` units inside the rule's window (never a block's units: a
   * refund never lifts a block); a GCRA key moves its `tat` back by `cost * T`, never below now. Resolves
   * with the units taken back per rule.
   */
  refund?(request: ThrottleRequest): Promise<number[]>;

  /**
   * Optional: blocks each (sliding-log) rule's key for `blockMs`: its window holds `limit` units until
   * then, so every instance refuses it and reports the block's end. An active block is kept, not
   * extended. Resolves with the milliseconds left of each key's block.
   */
  block?(request: ThrottleRequest, blockMs: number): Promise<number[]>;

  /** Optional: forgets these keys entirely (their logs, cells and blocks). */
  reset?(keys: readonly string[]): Promise<void>;

  /**
   * Optional, for a store shared by several processes: calls `listener` with the keys any instance
   * refunds or resets (the Redis store's forget channel), so this process forgets what it learned of
   * them (a block's end). Returns the unsubscribe.
   */
  watchForgotten?(listener: (keys: readonly string[]) => void): () => void;

  /**
   * Whether this store is shared by several processes (Redis, a database): it can then fail, be slow or
   * still be connecting. `ThrottleModule` puts a shared store behind the same failure policy as the Redis
   * store it builds itself: `storeTimeoutMs`, a circuit breaker, the local deny cache, `onStoreError`,
   * readiness before the first decision and close at shutdown (calling the store's optional
   * `open(waitMs)`, `watchReady(listener)` and `close()` when it has them). Default false: the store
   * decides alone, and the module refuses those options beside it. {@link RedisThrottleStorage} is shared.
   *
   * @example
   * class MyDbStorage extends ThrottleStorage { override readonly shared = true; async consume(r) { ... } }
   */
  readonly shared?: boolean;

  /** What `/health` reports about the store; stores override it. */
  health(): StorageHealth {
    return { store: this.constructor.name, state: 'ok' };
  }

  /**
   * Subscribes a metrics layer to the store's events (decisions, store errors, circuit changes,
   * deny-cache hits, evictions of live logs); returns the unsubscribe function. Stores without events ignore it.
   *
   * @example
   * const unsubscribe = storage.subscribe({ circuitChange: (e) => gauge.set(e.to === 'closed' ? 0 : 1) });
   */
  subscribe(listener: ThrottleStoreEvents): () => void {
    void listener;
    return () => undefined;
  }
}

/**
 * The store's state for health checks: `ok` (deciding normally), `degraded` (shared store down,
 * deciding by the `onStoreError` policy), `down` (cannot decide at all).
 */
export interface StorageHealth {
  readonly store: string;
  readonly state: 'ok' | 'degraded' | 'down';
  readonly [detail: string]: unknown;
}

/** Thrown by a store that cannot decide (Redis down and no fallback); the guard answers 503. */
export class ThrottleStoreUnavailableError extends Error {
  override readonly name = 'ThrottleStoreUnavailableError';
}
