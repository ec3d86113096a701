import { ALGORITHM_NAMES, algorithmOf, ThrottleAlgorithm } from '../algorithms/registry';
import { keptTimes } from '../algorithms/sliding-log.model';
import type { ThrottleDecision, ThrottleRequest, ThrottleRule } from '../storage/throttle-storage';

/**
 * Every algorithm of {@link ThrottleRule} in its plainest form (each unit's `model`: `algorithms/*.model.ts`),
 * for property tests to compare every store against: a sliding log is a list of unit admission times
 * per key, scanned in full; a GCRA key is its theoretical arrival time, computed straight from the
 * definition. Slow and obviously right.
 *
 * @example
 * const model = new ReferenceModel();
 * model.consume({ rules: [{ key: 'hi:{a}', limit: 3, windowMs: 1_000, algorithm: 'gcra', burst: 2 }] }, clock.now());
 */
export class ReferenceModel {
  /** Each algorithm's key states (immutable values: a decision replaces them). */
  private readonly states = new Map<ThrottleAlgorithm, Map<string, unknown>>(ALGORITHM_NAMES.map((name) => [name, new Map()]));
  /** Each key's latest block: until when, and its `units` entries at `at` (which a refund never takes). */
  private readonly blocks = new Map<string, { until: number; at: number; units: number }>();

  consume(request: ThrottleRequest, now: number): ThrottleDecision {
    const checks = request.rules.map((rule) => algorithmOf(rule).model.check(this.keys(rule).get(rule.key), rule, now));
    const allowed = checks.every((c) => c.admits);
    return {
      allowed,
      states: checks.map((c, i) => {
        const [state, ruleState] = allowed ? c.admit() : c.refuse();
        this.keys(request.rules[i]).set(request.rules[i].key, state);
        return ruleState;
      }),
    };
  }

  /** The decision {@link consume} would give at `now`, recording nothing. */
  peek(request: ThrottleRequest, now: number): ThrottleDecision {
    const saved = [...this.states].map(([name, keys]) => [name, new Map(keys)] as const);
    const decision = this.consume(request, now);
    for (const [name, keys] of saved) this.states.set(name, keys);
    return decision;
  }

  /** Takes back each rule's `cost` newest units at `now`, as its algorithm defines it (never below zero, never a block's entries). */
  refund(request: ThrottleRequest, now: number): number[] {
    return request.rules.map((rule) => {
      const keys = this.keys(rule);
      // A refund never lifts a block: the block's own entries are set aside, the newest admissions around them go.
      const block = this.blocks.get(rule.key);
      const held = algorithmOf(rule).name === 'sliding-log' && block !== undefined && block.at > now - rule.windowMs ? block : undefined;
      const before = keys.get(rule.key) as number[] | undefined;
      const aside = held === undefined || before === undefined ? before : withoutEntries(before, held.at, held.units);
      const [state, taken] = algorithmOf(rule).model.refund(aside, rule, now);
      const kept = before === undefined ? 0 : before.length - (aside?.length ?? 0);
      keys.set(
        rule.key,
        held === undefined || kept === 0 ? state : [...(state as number[]), ...Array<number>(kept).fill(held.at)].sort((a, b) => a - b),
      );
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
      const logs = this.states.get('sliding-log')!;
      const log = keptTimes(logs.get(rule.key) as number[] | undefined, rule, now);
      log.push(...Array<number>(rule.limit).fill(at));
      logs.set(
        rule.key,
        log.sort((a, b) => a - b),
      );
      return blockMs;
    });
  }

  /** Forgets the keys. */
  reset(keys: readonly string[]): void {
    for (const key of keys) {
      for (const states of this.states.values()) states.delete(key);
      this.blocks.delete(key);
    }
  }

  private keys(rule: ThrottleRule): Map<string, unknown> {
    return this.states.get(algorithmOf(rule).name)!;
  }
}

/** `log` without up to `units` entries equal to `at` (a block's). */
function withoutEntries(log: readonly number[], at: number, units: number): number[] {
  let left = units;
  return log.filter((t) => !(t === at && left-- > 0));
}

/** The former name of {@link ReferenceModel} (0.2), which held sliding logs only. */
export const ReferenceSlidingLog = ReferenceModel;
/** The former name of {@link ReferenceModel} (0.2). */
export type ReferenceSlidingLog = ReferenceModel;
