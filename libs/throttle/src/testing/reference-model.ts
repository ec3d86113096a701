import type { RuleState, ThrottleDecision, ThrottleRequest, ThrottleRule } from '../storage/throttle-storage';

/**
 * Both algorithms of {@link ThrottleRule} in their plainest form, for property tests to compare every
 * store against: a sliding log is a list of unit admission times per key, scanned in full; a GCRA key is
 * its theoretical arrival time, computed straight from the definition. Slow and obviously right.
 *
 * @example
 * const model = new ReferenceModel();
 * model.consume({ rules: [{ key: 'hi:{a}', limit: 3, windowMs: 1_000, algorithm: 'gcra', burst: 2 }] }, clock.now());
 */
export class ReferenceModel {
  private readonly logs = new Map<string, number[]>();
  private readonly tats = new Map<string, number>();
  /** Each key's latest block: until when, and its `units` entries at `at` (which a refund never takes). */
  private readonly blocks = new Map<string, { until: number; at: number; units: number }>();

  consume(request: ThrottleRequest, now: number): ThrottleDecision {
    const checks = request.rules.map((rule) => (rule.algorithm === 'gcra' ? this.gcra(rule, now) : this.slidingLog(rule, now)));
    const allowed = checks.every((c) => c.admits);
    return { allowed, states: checks.map((c) => (allowed ? c.admit() : c.refuse())) };
  }

  /** The decision {@link consume} would give at `now`, recording nothing. */
  peek(request: ThrottleRequest, now: number): ThrottleDecision {
    const logs = new Map(this.logs);
    const tats = new Map(this.tats);
    const decision = this.consume(request, now);
    this.restore(logs, tats);
    return decision;
  }

  /**
   * Takes back each rule's `cost` newest units at `now`: a sliding log's newest admissions inside the
   * window (as many as there are, at most cost; never a block's entries); a GCRA key's tat minus `cost * T`, never below now.
   */
  refund(request: ThrottleRequest, now: number): number[] {
    return request.rules.map((rule) => {
      const cost = rule.cost ?? 1;
      if (rule.algorithm === 'gcra') {
        const nowUs = Math.round(now * 1000);
        const interval = Math.ceil((rule.windowMs * 1000) / rule.limit);
        const tat = this.tats.get(rule.key) ?? nowUs;
        const back = Math.max(0, Math.min(cost * interval, tat - nowUs));
        this.tats.set(rule.key, tat - back);
        return Math.ceil(back / interval);
      }
      const log = (this.logs.get(rule.key) ?? []).filter((t) => t > now - Math.max(rule.retainMs ?? 0, rule.windowMs));
      // A refund never lifts a block: the block's own entries stay, the newest admissions around them go.
      const block = this.blocks.get(rule.key);
      let blockLeft = block !== undefined && block.at > now - rule.windowMs ? block.units : 0;
      let taken = 0;
      for (let i = log.length - 1; i >= 0 && taken < cost && log[i] > now - rule.windowMs; i--) {
        if (blockLeft > 0 && log[i] === block!.at) blockLeft--;
        else {
          log.splice(i, 1);
          taken++;
        }
      }
      this.logs.set(rule.key, log);
      return taken;
    });
  }

  /** Blocks each sliding-log key for `blockMs`: `limit` units at `now + blockMs - windowMs`; an active block stays as it is. */
  block(request: ThrottleRequest, blockMs: number, now: number): number[] {
    return request.rules.map((rule) => {
      const until = this.blocks.get(rule.key)?.until ?? 0;
      if (until > now) return until - now;
      const at = now + blockMs - rule.windowMs;
      this.blocks.set(rule.key, { until: now + blockMs, at, units: rule.limit });
      const log = (this.logs.get(rule.key) ?? []).filter((t) => t > now - Math.max(rule.retainMs ?? 0, rule.windowMs));
      log.push(...Array<number>(rule.limit).fill(at));
      this.logs.set(
        rule.key,
        log.sort((a, b) => a - b),
      );
      return blockMs;
    });
  }

  /** Forgets the keys. */
  reset(keys: readonly string[]): void {
    for (const key of keys) {
      this.logs.delete(key);
      this.tats.delete(key);
      this.blocks.delete(key);
    }
  }

  private restore(logs: Map<string, number[]>, tats: Map<string, number>): void {
    this.logs.clear();
    this.tats.clear();
    logs.forEach((v, k) => this.logs.set(k, v));
    tats.forEach((v, k) => this.tats.set(k, v));
  }

  private slidingLog(rule: ThrottleRule, now: number): Check {
    const cost = rule.cost ?? 1;
    // The key keeps what its retention covers; the rule counts only its own window.
    const kept = (this.logs.get(rule.key) ?? []).filter((t) => t > now - Math.max(rule.retainMs ?? 0, rule.windowMs));
    const times = kept.filter((t) => t > now - rule.windowMs);
    const expiry = (t: number) => t + rule.windowMs - now;
    return {
      admits: times.length + cost <= rule.limit,
      admit: () => {
        this.logs.set(rule.key, [...kept, ...Array<number>(cost).fill(now)]);
        const counted = times.length + cost;
        return { remaining: rule.limit - counted, resetMs: expiry(Math.min(now, ...times)), retryAfterMs: 0 };
      },
      refuse: () => {
        this.logs.set(rule.key, kept);
        // Admissible once the oldest `times.length + cost - limit` units have left the window.
        const mustLeave = times.length + cost - rule.limit;
        return {
          remaining: Math.max(0, rule.limit - times.length),
          resetMs: times.length === 0 ? 0 : expiry(Math.min(...times)),
          retryAfterMs: mustLeave > 0 ? expiry(times[mustLeave - 1]) : 0,
        };
      },
    };
  }

  private gcra(rule: ThrottleRule, now: number): Check {
    const nowUs = Math.round(now * 1000);
    const interval = Math.ceil((rule.windowMs * 1000) / rule.limit);
    const tolerance = (rule.burst ?? rule.limit) * interval;
    const tat = Math.max(this.tats.get(rule.key) ?? nowUs, nowUs);
    const next = tat + (rule.cost ?? 1) * interval;
    // After a decision the key is `debt` µs ahead of now: the bucket holds what that debt leaves of the tolerance.
    const state = (debt: number, retryUs: number): RuleState => {
      const remaining = Math.max(0, Math.floor((tolerance - debt) / interval));
      const resetUs = debt > 0 ? debt - (tolerance - (remaining + 1) * interval) : 0;
      return { remaining, resetMs: resetUs / 1000, retryAfterMs: retryUs / 1000 };
    };
    return {
      admits: next - nowUs <= tolerance,
      admit: () => {
        this.tats.set(rule.key, next);
        return state(next - nowUs, 0);
      },
      refuse: () => state(tat - nowUs, Math.max(0, next - nowUs - tolerance)),
    };
  }
}

interface Check {
  readonly admits: boolean;
  admit(): RuleState;
  refuse(): RuleState;
}

/** The former name of {@link ReferenceModel} (0.2), which held sliding logs only. */
export const ReferenceSlidingLog = ReferenceModel;
/** The former name of {@link ReferenceModel} (0.2). */
export type ReferenceSlidingLog = ReferenceModel;
