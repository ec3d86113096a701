import type { RuleState, ThrottleRule } from '../storage/throttle-storage';

/**
 * One GCRA key of the memory store: its theoretical arrival time in integer microseconds (see
 * {@link ThrottleRule} for the algorithm). O(1) memory whatever the rate.
 */
export class GcraCell {
  /** Theoretical arrival time, µs on the store's clock; -Infinity until the first admission. */
  tat = -Infinity;

  /** Whether forgetting the cell would forget debt: its arrival time is still ahead of `now` (ms). */
  isLive(now: number): boolean {
    return this.tat > Math.round(now * 1000);
  }
}

/** The emission interval of a GCRA rule in whole microseconds, rounded up (never faster than the rate). */
export function emissionIntervalUs(rule: ThrottleRule): number {
  return Math.ceil((rule.windowMs * 1000) / rule.limit);
}

/**
 * Decides one GCRA rule at `nowUs` without recording: the `next` arrival time an admission would store
 * (or -1 when the rule refuses). Call {@link gcraState} for the state.
 */
export function gcraNext(cell: GcraCell, rule: ThrottleRule, nowUs: number): number {
  const interval = emissionIntervalUs(rule);
  const next = Math.max(cell.tat, nowUs) + (rule.cost ?? 1) * interval;
  return next - nowUs <= (rule.burst ?? rule.limit) * interval ? next : -1;
}

/**
 * The state of a GCRA rule whose key is `debtUs` ahead of now after the decision; `retryUs` is 0 when the
 * rule admits this request's cost now. `remaining` is what the bucket still admits, `resetMs` the time
 * until it holds one unit more.
 */
export function gcraState(rule: ThrottleRule, debtUs: number, retryUs: number): RuleState {
  const interval = emissionIntervalUs(rule);
  const tolerance = (rule.burst ?? rule.limit) * interval;
  const remaining = Math.max(0, Math.floor((tolerance - debtUs) / interval));
  const resetUs = debtUs > 0 ? debtUs - (tolerance - (remaining + 1) * interval) : 0;
  return { remaining, resetMs: resetUs / 1000, retryAfterMs: retryUs / 1000 };
}

/** The state of a rule that refuses (or of any rule of a refused request): nothing recorded. */
export function gcraRefusedState(cell: GcraCell, rule: ThrottleRule, nowUs: number): RuleState {
  return gcraRefusal(rule, Math.max(cell.tat, nowUs) - nowUs);
}

/** The refused state of a rule whose key is `debtUs` (≥ 0) ahead of now (the memory store's cells, the Redis script's reply). */
export function gcraRefusal(rule: ThrottleRule, debtUs: number): RuleState {
  return gcraState(rule, debtUs, gcraRetryUs(rule, debtUs));
}

/** Microseconds until a key `debtUs` ahead of now admits this request's cost; 0 when it does now. */
export function gcraRetryUs(rule: ThrottleRule, debtUs: number): number {
  const interval = emissionIntervalUs(rule);
  return Math.max(0, debtUs + ((rule.cost ?? 1) - (rule.burst ?? rule.limit)) * interval);
}
