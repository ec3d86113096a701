// Issue 21's controls in the module model: blocks after a refusal (`blockFor`), refunds after an
// uncounted response (`count`), and `ThrottleService` calls, on the ReferenceModel's peek/refund/block/reset.
import type { ThrottleRule } from 'nest-scoped-throttle';
import type { ReferenceModel } from 'nest-scoped-throttle/testing';
import type { ModelScope, ServiceCall } from './model-config';
import type { DenyCacheModel, ModelDecision } from './deny-cache-model';

/** One enforced scope of a request and its deciding rule (controls are generated on scopes without tiers). */
export interface Decided {
  readonly scope: ModelScope;
  readonly rule: ThrottleRule;
  /** Index of the rule's state in the decision. */
  readonly at: number;
}

/** What a `ThrottleService` call must give: a result (check, consume), a count or ms (refund, block), nothing (reset). */
export type CallResult =
  | {
      readonly allowed: boolean;
      readonly limit: number;
      readonly remaining: number;
      readonly resetMs: number;
      readonly retryAfterMs: number;
    }
  | number
  | undefined;

/**
 * A refusal as the decider reports it: each blocking scope that refused blocks its key (an active block
 * is kept) and reports the block's end when it is later than the refusal's own; the deny cache learns it.
 */
export function withBlocks(
  reference: ReferenceModel,
  denyCache: DenyCacheModel | undefined,
  decided: readonly Decided[],
  decision: ModelDecision,
  now: number,
): ModelDecision {
  if (decision.allowed) return decision;
  const states = decision.states.slice();
  for (const d of decided) {
    const state = states[d.at];
    if (d.scope.blockMs === undefined || state.retryAfterMs <= 0) continue;
    const [leftMs] = reference.block({ rules: [d.rule] }, d.scope.blockMs, now);
    denyCache?.block(d.rule, leftMs, now); // the store's block extends this process's known refusal
    if (leftMs > state.retryAfterMs) states[d.at] = { remaining: 0, resetMs: Math.max(state.resetMs, leftMs), retryAfterMs: leftMs };
  }
  return { allowed: false, states };
}

/** Whether a scope counts a response of `status` (`failures`: >= 400, `successes`: < 400, `countIf`: the statuses it names). */
export function counts(scope: ModelScope, status: number): boolean {
  if (scope.shadow) return true;
  if (scope.countIf !== undefined) return scope.countIf.includes(status);
  if (scope.count === undefined || scope.count === 'all') return true;
  return scope.count === 'failures' ? status >= 400 : status < 400;
}

/** After an admitted request's response: each enforced scope that does not count its status gets its unit back. */
export function settle(reference: ReferenceModel, decided: readonly Decided[], status: number, now: number): void {
  for (const d of decided) if (!counts(d.scope, status)) reference.refund({ rules: [d.rule] }, now);
}

/** A `ThrottleService` call on the rule of the call's scope and client, as the store (and its deny cache) answers it. */
export function serviceCall(
  reference: ReferenceModel,
  denyCache: DenyCacheModel | undefined,
  rule: ThrottleRule,
  call: ServiceCall,
  now: number,
): CallResult {
  const result = (d: ModelDecision) => ({ allowed: d.allowed, limit: rule.limit, ...d.states[0] });
  switch (call.kind) {
    case 'check':
      return result(reference.peek({ rules: [rule] }, now));
    case 'consume': {
      const decision = reference.consume({ rules: [rule] }, now);
      denyCache?.remember([rule], decision, now);
      return result(decision);
    }
    case 'refund':
      denyCache?.forget(rule);
      return reference.refund({ rules: [rule] }, now)[0];
    case 'reset':
      denyCache?.forget(rule);
      reference.reset([rule.key]);
      return undefined;
    case 'block': {
      const [leftMs] = reference.block({ rules: [rule] }, call.blockMs!, now);
      denyCache?.block(rule, leftMs, now);
      return leftMs;
    }
  }
}
