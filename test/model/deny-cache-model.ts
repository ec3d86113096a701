// The local deny cache of a shared store (design.md "Local deny cache"), as the model sees it: a key a
// refusal found full is refused here until it reopens, without asking the store. The refusal is exact;
// its headers are the cache's documented approximation (deny-cache.ts): full keys report remaining 0
// and the time left, the request's other rules their whole limit with no reset.
import type { ThrottleRule } from 'nest-scoped-throttle';
import type { ModelState } from './model-response';

interface FullKey {
  readonly until: number;
  readonly rule: ThrottleRule;
}

/** A decision as the model's store part gives it. */
export interface ModelDecision {
  readonly allowed: boolean;
  readonly states: readonly ModelState[];
}

/** Mirrors `DenyCache` (no bound: a model run has few keys). */
export class DenyCacheModel {
  private readonly full = new Map<string, FullKey>();

  /** The cached refusal of `rules` at `now`, else undefined (the store decides). */
  check(rules: readonly ThrottleRule[], now: number): ModelDecision | undefined {
    let states: ModelState[] | undefined;
    rules.forEach((rule, i) => {
      const key = storeKey(rule);
      const full = this.full.get(key);
      if (full === undefined || !covers(full.rule, rule)) return;
      if (full.until <= now) {
        this.full.delete(key);
        return;
      }
      states ??= rules.map((r) => ({ remaining: r.limit, resetMs: 0, retryAfterMs: 0 }));
      states[i] = { remaining: 0, resetMs: full.until - now, retryAfterMs: full.until - now };
    });
    return states === undefined ? undefined : { allowed: false, states };
  }

  /** Forgets a rule's key: a refund or reset lifts its local refusals. */
  forget(rule: ThrottleRule): void {
    this.full.delete(storeKey(rule));
  }

  /** Extends a key known full with a block the store holds for `leftMs` (a key not known full is left to the store). */
  block(rule: ThrottleRule, leftMs: number, now: number): void {
    const known = this.full.get(storeKey(rule));
    if (leftMs > 0 && known !== undefined && known.until < now + leftMs) this.full.set(storeKey(rule), { until: now + leftMs, rule });
  }

  /** Remembers the full keys of a store's refusal; forgets the keys of an admission. */
  remember(rules: readonly ThrottleRule[], decision: ModelDecision, now: number): void {
    if (decision.allowed) {
      for (const rule of rules) this.full.delete(storeKey(rule)); // the key reopens later now: ask the store
      return;
    }
    decision.states.forEach((state, i) => {
      if (state.retryAfterMs > 0) this.full.set(storeKey(rules[i]), { until: now + state.retryAfterMs, rule: rules[i] });
    });
  }
}

/** The store key of a model rule: a sliding log's windows (`@<ms>`) are one key in the store. */
const storeKey = (rule: ThrottleRule) => rule.key.replace(/@\d+$/, '');

/** Whether a refusal under `refused` also refuses `rule`: the same rate and algorithm, and the same cost. */
function covers(refused: ThrottleRule, rule: ThrottleRule): boolean {
  return (
    refused.limit === rule.limit &&
    refused.windowMs === rule.windowMs &&
    refused.burst === rule.burst &&
    refused.algorithm === rule.algorithm &&
    (rule.cost ?? 1) === (refused.cost ?? 1)
  );
}
