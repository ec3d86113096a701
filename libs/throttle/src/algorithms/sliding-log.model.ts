import type { ThrottleRule } from '../storage/throttle-storage';
import type { ModelUnit } from './algorithm';

/** What the key retains at `now`: its admission times inside the longer of retention and window. */
export function keptTimes(state: readonly number[] | undefined, rule: ThrottleRule, now: number): number[] {
  return (state ?? []).filter((t) => t > now - Math.max(rule.retainMs ?? 0, rule.windowMs));
}

/** A sliding log in its plainest form: the list of unit admission times of a key, scanned in full. */
export const slidingLogModel: ModelUnit<number[]> = {
  check(state, rule, now) {
    const cost = rule.cost ?? 1;
    // The key keeps what its retention covers; the rule counts only its own window.
    const kept = keptTimes(state, rule, now);
    const times = kept.filter((t) => t > now - rule.windowMs);
    const expiry = (t: number) => t + rule.windowMs - now;
    return {
      admits: times.length + cost <= rule.limit,
      admit: () => {
        const counted = times.length + cost;
        const state = { remaining: rule.limit - counted, resetMs: expiry(Math.min(now, ...times)), retryAfterMs: 0 };
        return [[...kept, ...Array<number>(cost).fill(now)], state];
      },
      refuse: () => {
        // Admissible once the oldest `times.length + cost - limit` units have left the window.
        const mustLeave = times.length + cost - rule.limit;
        const state = {
          remaining: Math.max(0, rule.limit - times.length),
          resetMs: times.length === 0 ? 0 : expiry(Math.min(...times)),
          retryAfterMs: mustLeave > 0 ? expiry(times[mustLeave - 1]) : 0,
        };
        return [kept, state];
      },
    };
  },
  /** The newest admissions inside the window go (as many as there are, at most cost). */
  refund(state, rule, now) {
    const log = keptTimes(state, rule, now);
    const inWindow = log.filter((t) => t > now - rule.windowMs).length;
    const taken = Math.min(rule.cost ?? 1, inWindow);
    return [log.slice(0, log.length - taken), taken];
  },
};
