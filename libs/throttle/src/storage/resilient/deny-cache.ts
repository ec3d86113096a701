import { LRUCache } from 'lru-cache';
import type { ThrottleClock } from '../../clock';
import type { RuleState, ThrottleDecision, ThrottleRequest, ThrottleRule } from '../throttle-storage';

/** A full key: until when it is refused here, when the store said it reopens, and for which rule (its rate and refused cost). */
interface FullKey {
  readonly until: number;
  /** When the store said the key reopens: what a cached refusal reports (`until` may be earlier: see {@link DenyCache.remember}). */
  readonly reopensAt: number;
  readonly rule: ThrottleRule;
}

export const DEFAULT_DENY_CACHE_MAX_KEYS = 10_000;

/**
 * Keys the shared store reported full, with the local time until which no admission is possible.
 * Until then the key is refused here, without a store call: exact, since the store cannot admit
 * before that time whatever happens elsewhere. Only requests the refusal covers are refused: the same
 * rate (a client whose tier changed asks the store) and the same cost (a cheaper request may fit
 * sooner; a costlier one later than the refusal's time, which its `Retry-After` must not undercut).
 * Bounded (LRU); no timers.
 *
 * @example
 * const cache = new DenyCache(clock);
 * const sentAt = clock.now();
 * const decision = await store.consume(request);
 * cache.remember(request, decision, sentAt);
 * cache.check(request); // a refusal while the full key lasts, else undefined
 */
export class DenyCache {
  private readonly until: LRUCache<string, FullKey>;

  constructor(
    private readonly clock: ThrottleClock,
    maxKeys: number = DEFAULT_DENY_CACHE_MAX_KEYS,
  ) {
    this.until = new LRUCache<string, FullKey>({ max: maxKeys });
  }

  get size(): number {
    return this.until.size;
  }

  /**
   * Records the full keys of a refusal, and forgets the keys of an admission. `sentAt` is the local time the request was sent: the store
   * decided later, so `sentAt + retryAfterMs` is never after the true reopening time. A refusal that
   * counted admissions which may yet be withdrawn is remembered only for its `certainRetryAfterMs`.
   */
  remember(request: ThrottleRequest, decision: ThrottleDecision, sentAt: number): void {
    if (decision.allowed) {
      // An admission (at another cost or rate than a cached refusal's) moves the key's reopening later: forget it.
      if (this.until.size > 0) for (const rule of request.rules) this.until.delete(rule.key);
      return;
    }
    decision.states.forEach((state, i) => {
      const certainMs = state.certainRetryAfterMs ?? state.retryAfterMs;
      if (certainMs > 0) {
        this.until.set(request.rules[i].key, { until: sentAt + certainMs, reopensAt: sentAt + state.retryAfterMs, rule: request.rules[i] });
      }
    });
  }

  /**
   * Extends the refusals of keys known full with the blocks the store holds (`leftMs` per rule, from
   * `sentAt`). A key not known full is left to the store: it may stay full by its own log longer than
   * the block, which only the store knows (a cached refusal must not report an earlier Retry-After);
   * a key known full for longer than the block keeps its later reopening.
   */
  rememberBlocks(request: ThrottleRequest, leftMs: readonly number[], sentAt: number): void {
    request.rules.forEach((rule, i) => {
      const until = sentAt + leftMs[i];
      const known = this.until.get(rule.key);
      if (leftMs[i] > 0 && known !== undefined && known.until < until) this.until.set(rule.key, { until, reopensAt: until, rule });
    });
  }

  /** Forgets the keys (a refund or reset made room: the store may admit before the remembered time). */
  forget(keys: readonly string[]): void {
    for (const key of keys) this.until.delete(key);
  }

  /**
   * A refusal if any rule's key is still known full, else undefined. Full keys report remaining 0 and
   * the time left; the other rules of a multi-scope request are not known here and report their full
   * limit with no reset (approximate headers; the refusal itself is exact).
   */
  check(request: ThrottleRequest): ThrottleDecision | undefined {
    const rules = request.rules;
    let now = -1;
    let states: RuleState[] | undefined;
    for (let i = 0; i < rules.length; i++) {
      const full = this.until.get(rules[i].key);
      if (full === undefined || !covers(full.rule, rules[i])) continue;
      if (now < 0) now = this.clock.now();
      const until = full.until;
      if (until <= now) {
        this.until.delete(rules[i].key);
        continue;
      }
      states ??= rules.map((rule) => ({ remaining: rule.limit, resetMs: 0, retryAfterMs: 0 }));
      // Retry-After is the store's time: a refusal remembered for its certain part only still reopens when the store said.
      states[i] = { remaining: 0, resetMs: full.reopensAt - now, retryAfterMs: full.reopensAt - now };
    }
    return states === undefined ? undefined : { allowed: false, states };
  }
}

/**
 * Whether a refusal of `refused` decides `rule`: the same rate, algorithm and cost. (A costlier request is
 * refused too, but frees up later than the refusal says: its Retry-After would be too early.)
 */
function covers(refused: ThrottleRule, rule: ThrottleRule): boolean {
  return (
    refused.limit === rule.limit &&
    refused.windowMs === rule.windowMs &&
    refused.burst === rule.burst &&
    refused.algorithm === rule.algorithm &&
    (rule.cost ?? 1) === (refused.cost ?? 1)
  );
}
