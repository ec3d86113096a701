import { emissionIntervalUs, gcraRefusal, gcraRetryUs, gcraState } from '../storage/gcra';
import { retainOf, RuleState, ThrottleRule } from '../storage/throttle-storage';

/**
 * The scripts' "none" (-1). Ages can be negative otherwise: a block's units lie ahead of now (block.script.ts).
 */
const NONE = -1;

/**
 * One rule's state from the script's raw numbers, exactly as the memory store reports it; plus
 * `certainRetryAfterMs` on a refusal that counted admissions which may still be withdrawn.
 * `at` is where the rule's four numbers start in `reply`: a sliding log's (count, oldestAge, freeingAge,
 * certainAge, in µs), a GCRA rule's (debt, sureDebt, -1, -1).
 *
 * @example
 * stateOf({ key: 'hi:{abc}', limit: 60, windowMs: 60_000 }, true, [1, now, 3, 5_000_000, -1, -1], 2);
 * // { remaining: 56, resetMs: 55_000, retryAfterMs: 0 }
 */
export function stateOf(rule: ThrottleRule, allowed: boolean, reply: readonly number[], at: number): RuleState {
  if (rule.algorithm === 'gcra') return gcraStateOf(rule, allowed, reply[at], reply[at + 1]);
  const count = reply[at];
  const oldestAgeUs = reply[at + 1];
  const freeingAgeUs = reply[at + 2];
  const certainAgeUs = reply[at + 3];
  const windowUs = rule.windowMs * 1000;
  if (allowed) {
    const resetUs = oldestAgeUs === NONE ? windowUs : windowUs - oldestAgeUs;
    return { remaining: rule.limit - count - (rule.cost ?? 1), resetMs: resetUs / 1000, retryAfterMs: 0 };
  }
  const state = {
    remaining: Math.max(0, rule.limit - count),
    resetMs: oldestAgeUs === NONE ? 0 : (windowUs - oldestAgeUs) / 1000,
    retryAfterMs: freeingAgeUs === NONE ? 0 : (windowUs - freeingAgeUs) / 1000,
  };
  if (certainAgeUs === freeingAgeUs) return state;
  return { ...state, certainRetryAfterMs: certainAgeUs === NONE ? 0 : (windowUs - certainAgeUs) / 1000 };
}

/**
 * A GCRA rule's state from its debt before the request (`max(tat, now) - now`, µs) and that debt without
 * what pending cross-slot withdrawals may still take out of it (`sureDebtUs`): the refusal is certain
 * only as far as the sure debt alone keeps the bucket short of this request's cost.
 */
function gcraStateOf(rule: ThrottleRule, allowed: boolean, debtUs: number, sureDebtUs: number): RuleState {
  if (allowed) return gcraState(rule, debtUs + (rule.cost ?? 1) * emissionIntervalUs(rule), 0);
  const state = gcraRefusal(rule, debtUs);
  if (sureDebtUs === debtUs || state.retryAfterMs === 0) return state;
  return { ...state, certainRetryAfterMs: gcraRetryUs(rule, sureDebtUs) / 1000 };
}

/** The 5 ARGV of a rule (both scripts): limit, window (ms), algorithm, cost, then a GCRA rule's burst or a sliding log's retention (ms). */
export function pushRuleArgs(args: (string | number)[], rule: ThrottleRule): void {
  const last = rule.algorithm === 'gcra' ? (rule.burst ?? rule.limit) : retainOf(rule);
  args.push(rule.limit, rule.windowMs, rule.algorithm ?? 'sliding-log', rule.cost ?? 1, last);
}

/**
 * What the withdrawal script needs to take back one rule's provisional admission (see withdraw.script.ts):
 * its algorithm and its units (a sliding log's cost; a GCRA rule's `cost * T`, µs).
 */
export function withdrawArgs(rule: ThrottleRule): (string | number)[] {
  if (rule.algorithm !== 'gcra') return ['sliding-log', rule.cost ?? 1];
  return ['gcra', (rule.cost ?? 1) * emissionIntervalUs(rule)];
}
