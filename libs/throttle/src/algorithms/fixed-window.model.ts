import type { ModelUnit } from './algorithm';

/** A fixed-window key: when its window ends (ms) and the units admitted in it. */
interface Window {
  readonly end: number;
  readonly count: number;
}

/** A fixed window in its plainest form: the count restarts at the first admission after the window's end. */
export const fixedWindowModel: ModelUnit<Window> = {
  check(state, rule, now) {
    const cost = rule.cost ?? 1;
    const live = state !== undefined && state.end > now;
    const count = live ? state.count : 0;
    return {
      admits: count + cost <= rule.limit,
      admit: () => {
        const end = live ? state.end : now + rule.windowMs;
        return [
          { end, count: count + cost },
          { remaining: rule.limit - count - cost, resetMs: end - now, retryAfterMs: 0 },
        ];
      },
      refuse: () => {
        const leftMs = live ? state.end - now : 0;
        const retryAfterMs = count + cost > rule.limit ? leftMs : 0;
        return [state, { remaining: Math.max(0, rule.limit - count), resetMs: leftMs, retryAfterMs }];
      },
    };
  },
  /** Up to `cost` units of the current window go (never below zero); an ended window has none. */
  refund(state, rule, now) {
    if (state === undefined || state.end <= now) return [state, 0];
    const taken = Math.min(rule.cost ?? 1, state.count);
    return [{ end: state.end, count: state.count - taken }, taken];
  },
};
