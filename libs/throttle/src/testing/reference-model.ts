import type { ThrottleDecision, ThrottleRequest } from '../storage/throttle-storage';

/**
 * The sliding log in its plainest form (a list of admission times per key, scanned in full):
 * slow and obviously right, for property tests to compare every store against.
 */
export class ReferenceSlidingLog {
  private readonly logs = new Map<string, number[]>();

  consume(request: ThrottleRequest, now: number): ThrottleDecision {
    const inWindow = request.rules.map((rule) => (this.logs.get(rule.key) ?? []).filter((t) => t > now - rule.windowMs));
    const allowed = request.rules.every((rule, i) => inWindow[i].length < rule.limit);
    const states = request.rules.map((rule, i) => {
      const times = allowed ? [...inWindow[i], now] : inWindow[i];
      if (allowed) this.logs.set(rule.key, times);
      const full = !allowed && times.length >= rule.limit;
      // The admission whose expiry frees a slot is the oldest of the last `limit` (all of them when not full).
      const freeing = times.length >= rule.limit ? times[times.length - rule.limit] : times[0];
      const resetMs = times.length === 0 ? 0 : Math.min(...times) + rule.windowMs - now;
      return {
        remaining: Math.max(0, rule.limit - times.length),
        resetMs,
        retryAfterMs: full ? freeing + rule.windowMs - now : 0,
      };
    });
    return { allowed, states };
  }
}
