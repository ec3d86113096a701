import type { RuleState, ThrottleRule } from '../storage/throttle-storage';

/**
 * One rule's state from the script's raw counts (microsecond ages), exactly as the memory store reports
 * it; plus `certainRetryAfterMs` on a refusal that counted admissions which may still be withdrawn.
 * `at` is where the rule's four numbers (count, oldestAge, freeingAge, certainAge) start in `reply`.
 *
 * @example
 * stateOf({ key: 'hi:{abc}', limit: 60, windowMs: 60_000 }, true, [1, now, 3, 5_000_000, -1, -1], 2);
 * // { remaining: 56, resetMs: 55_000, retryAfterMs: 0 }
 */
export function stateOf(rule: ThrottleRule, allowed: boolean, reply: number[], at: number): RuleState {
  const count = reply[at];
  const oldestAgeUs = reply[at + 1];
  const freeingAgeUs = reply[at + 2];
  const certainAgeUs = reply[at + 3];
  const windowUs = rule.windowMs * 1000;
  if (allowed) {
    const resetUs = oldestAgeUs < 0 ? windowUs : windowUs - oldestAgeUs;
    return { remaining: rule.limit - count - 1, resetMs: resetUs / 1000, retryAfterMs: 0 };
  }
  const state = {
    remaining: Math.max(0, rule.limit - count),
    resetMs: oldestAgeUs < 0 ? 0 : (windowUs - oldestAgeUs) / 1000,
    retryAfterMs: freeingAgeUs < 0 ? 0 : (windowUs - freeingAgeUs) / 1000,
  };
  if (certainAgeUs === freeingAgeUs) return state;
  return { ...state, certainRetryAfterMs: certainAgeUs < 0 ? 0 : (windowUs - certainAgeUs) / 1000 };
}
