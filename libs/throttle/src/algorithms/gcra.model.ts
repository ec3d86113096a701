import type { RuleState } from '../storage/throttle-storage';
import type { ModelUnit } from './algorithm';

/** GCRA in its plainest form: a key is its theoretical arrival time (µs), computed straight from the definition. */
export const gcraModel: ModelUnit<number> = {
  check(stored, rule, now) {
    const nowUs = Math.round(now * 1000);
    const interval = Math.ceil((rule.windowMs * 1000) / rule.limit);
    const tolerance = (rule.burst ?? rule.limit) * interval;
    const tat = Math.max(stored ?? nowUs, nowUs);
    const next = tat + (rule.cost ?? 1) * interval;
    // After a decision the key is `debt` µs ahead of now: the bucket holds what that debt leaves of the tolerance.
    const state = (debt: number, retryUs: number): RuleState => {
      const remaining = Math.max(0, Math.floor((tolerance - debt) / interval));
      const resetUs = debt > 0 ? debt - (tolerance - (remaining + 1) * interval) : 0;
      return { remaining, resetMs: resetUs / 1000, retryAfterMs: retryUs / 1000 };
    };
    return {
      admits: next - nowUs <= tolerance,
      admit: () => [next, state(next - nowUs, 0)],
      refuse: () => [stored, state(tat - nowUs, Math.max(0, next - nowUs - tolerance))],
    };
  },
  /** `tat` minus `cost * T`, never below now. */
  refund(stored, rule, now) {
    const nowUs = Math.round(now * 1000);
    const interval = Math.ceil((rule.windowMs * 1000) / rule.limit);
    const tat = stored ?? nowUs;
    const back = Math.max(0, Math.min((rule.cost ?? 1) * interval, tat - nowUs));
    return [tat - back, Math.ceil(back / interval)];
  },
};
