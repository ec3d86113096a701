import { algorithmOf } from '../algorithms/registry';
import type { RuleState, ThrottleRule } from '../storage/throttle-storage';

/**
 * One rule's state from the script's raw numbers, exactly as the memory store reports it; plus
 * `certainRetryAfterMs` on a refusal that counted admissions which may still be withdrawn. `at` is where
 * the rule's four numbers start in `reply`; the rule's algorithm reads them (`RedisUnit.stateOf`).
 *
 * @example
 * stateOf({ key: 'hi:{abc}', limit: 60, windowMs: 60_000 }, true, [1, now, 3, 5_000_000, -1, -1], 2);
 * // { remaining: 56, resetMs: 55_000, retryAfterMs: 0 }
 */
export function stateOf(rule: ThrottleRule, allowed: boolean, reply: readonly number[], at: number): RuleState {
  return algorithmOf(rule).redis.stateOf(rule, allowed, reply, at);
}

/** The 5 ARGV of a rule (both decision scripts): limit, window (ms), algorithm, cost, then the algorithm's extra argument. */
export function pushRuleArgs(args: (string | number)[], rule: ThrottleRule): void {
  const unit = algorithmOf(rule);
  args.push(rule.limit, rule.windowMs, unit.name, rule.cost ?? 1, unit.redis.extraArg(rule));
}

/**
 * The 3 ARGV of a rule in the refund and withdrawal scripts: its algorithm, the units taken out of its
 * key (a sliding log's cost; a GCRA rule's `cost * T`, µs) and the algorithm's extra argument.
 */
export function takeArgs(rule: ThrottleRule): (string | number)[] {
  const unit = algorithmOf(rule);
  return [unit.name, ...unit.redis.takeArgs(rule)];
}
