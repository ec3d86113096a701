import type { CompiledScope } from '../options/compile-scope';
import type { RuleState, ThrottleDecision, ThrottleRule } from '../storage/throttle-storage';
import type { RequestRules } from './rule-builder';

/** A decision as the client sees it: one rule and state per enforced scope. */
export interface EnforcedView {
  readonly scopes: readonly CompiledScope[];
  readonly rules: readonly ThrottleRule[];
  readonly decision: ThrottleDecision;
}

/**
 * The client's view of a decision: shadow scopes left out (they send no headers and refuse nothing),
 * and each enforced scope decided under several rules (its own rate and a client-chosen tier's)
 * described by the more restrictive one: on a refusal, its refusing rule that frees up last (so
 * `Retry-After` covers every rule); otherwise the rule with the least remaining (tie: the longer reset).
 * `decision.allowed` is the enforced scopes' verdict (the caller re-decides a refusal by shadow scopes alone).
 *
 * @example
 * const view = enforcedView(scopes, { rules, owners }, decision); // view.rules[k] and view.decision.states[k] describe view.scopes[k]
 */
export function enforcedView(scopes: readonly CompiledScope[], built: RequestRules, decision: ThrottleDecision): EnforcedView {
  const { rules, owners } = built;
  if (owners.length === 0 && !scopes.some((s) => s.shadow)) return { scopes, rules, decision };
  const kept: CompiledScope[] = [];
  const keptRules: ThrottleRule[] = [];
  const states: RuleState[] = [];
  let allowed = true;
  for (let i = 0; i < scopes.length; i++) {
    if (scopes[i].shadow) continue;
    let best = i;
    for (let j = 0; j < owners.length; j++) {
      const r = scopes.length + j;
      if (owners[j] === i && moreRestrictive(decision.states[r], decision.states[best])) best = r;
    }
    if (decision.states[best].retryAfterMs > 0) allowed = false;
    kept.push(scopes[i]);
    keptRules.push(rules[best]);
    states.push(decision.states[best]);
  }
  return { scopes: kept, rules: keptRules, decision: { allowed: decision.allowed || allowed, states } };
}

/** The scope that owns rule `r`: rules past the first one per scope are client tiers' (`owners`). */
export function ownerOf(r: number, scopeCount: number, owners: readonly number[]): number {
  return r < scopeCount ? r : owners[r - scopeCount];
}

/** Whether every rule that refused belongs to a scope in shadow mode. */
export function refusedByShadowOnly(scopes: readonly CompiledScope[], built: RequestRules, decision: ThrottleDecision): boolean {
  let refusing = 0;
  for (let r = 0; r < decision.states.length; r++) {
    if (decision.states[r].retryAfterMs <= 0) continue;
    if (!scopes[ownerOf(r, scopes.length, built.owners)].shadow) return false;
    refusing++;
  }
  return refusing > 0;
}

/** Whether state `a` restricts the client more than `b`: it refuses for longer, else it leaves less (tie: resets later). */
function moreRestrictive(a: RuleState, b: RuleState): boolean {
  if (a.retryAfterMs !== b.retryAfterMs) return a.retryAfterMs > b.retryAfterMs;
  return a.remaining < b.remaining || (a.remaining === b.remaining && a.resetMs > b.resetMs);
}
