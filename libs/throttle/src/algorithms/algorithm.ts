import type { RuleState, ThrottleRule } from '../storage/throttle-storage';
import type { ThrottleAlgorithm } from '../storage/algorithm-names';

/** What a memory-store key holds: one algorithm's state. */
export interface MemoryCounter {
  /** Whether forgetting it would forget admissions still counted at `now` (an eviction then is reported). */
  isLive(now: number): boolean;
}

/**
 * An algorithm's memory-store side: a decision is `check` on every rule, then `admit` on all of them
 * (recording) or `refuse` on all of them (recording nothing).
 */
export interface MemoryUnit<C extends MemoryCounter = MemoryCounter> {
  /** A fresh key's state. */
  create(rule: ThrottleRule): C;
  /** Whether `counter` is this algorithm's state (a key reused across algorithms is replaced). */
  owns(counter: MemoryCounter | undefined): counter is C;
  /** Reads the rule at `now` (ms) without recording: a mark that `admits` and `admit`/`refuse` take back. */
  check(counter: C, rule: ThrottleRule, now: number): number;
  admits(mark: number, rule: ThrottleRule): boolean;
  /** Records the admission the mark allowed; the state after it. */
  admit(counter: C, rule: ThrottleRule, mark: number, now: number): RuleState;
  /** The state an admission would leave, recording nothing (`ThrottleService.check`). */
  preview(counter: C, rule: ThrottleRule, mark: number, now: number): RuleState;
  /** The state of a refused request (this rule refused it, or another did). */
  refuse(counter: C, rule: ThrottleRule, mark: number, now: number): RuleState;
  /** Takes back the rule's `cost` newest units, never below zero; the units taken back. */
  refund(counter: C, rule: ThrottleRule, now: number): number;
}

/**
 * An algorithm's Redis side. Its Lua (`lua`) is the body of a function returning its entry in the scripts'
 * `ALGORITHMS` table, built the first time a call names the algorithm (see
 * `redis/lua-fragments.ts` for the functions an entry has); the TypeScript encodes a rule's arguments
 * and decodes the four numbers the entry's `reply` appends per rule.
 */
export interface RedisUnit {
  readonly lua: string;
  /** The 5th argument of a rule in the decision scripts (after limit, window, algorithm, cost). */
  extraArg(rule: ThrottleRule): number;
  /** The rule's state from the four numbers at `reply[at]` (`allowed`: the whole request was admitted). */
  stateOf(rule: ThrottleRule, allowed: boolean, reply: readonly number[], at: number): RuleState;
  /** The units a refund or a withdrawal takes out of the key, and its extra argument. */
  takeArgs(rule: ThrottleRule): [units: number, extra: number];
}

/** One admission check of the reference model: whether the rule admits, and each outcome's state. */
export interface ModelCheck<S> {
  readonly admits: boolean;
  admit(): [S, RuleState];
  refuse(): [S | undefined, RuleState];
}

/** An algorithm in its plainest form, for the reference model (`testing/reference-model.ts`); `S` is a key's immutable state. */
export interface ModelUnit<S = unknown> {
  check(state: S | undefined, rule: ThrottleRule, now: number): ModelCheck<S>;
  refund(state: S | undefined, rule: ThrottleRule, now: number): [S | undefined, number];
}

/**
 * An algorithm, one unit: its name and keys, what its options mean at boot, its memory-store state
 * and decision, its Lua fragment and reply, and its reference model. `registry.ts` lists them; every
 * place that depends on how a rule counts asks the rule's unit ({@link algorithmOf}).
 *
 * @example
 * const unit = algorithmOf(rule);
 * const counter = unit.memory.owns(existing) ? existing : unit.memory.create(rule);
 */
export interface Algorithm {
  readonly name: ThrottleAlgorithm;
  /** The end of every store key of a scope counting with it: `}` or `}:<tag>` (a scope switched between algorithms never reads the other's data). */
  readonly keyEnd: string;
  /** What caps one request's cost, in boot errors: `limit`, or `burst` for an algorithm that takes a `burst`. */
  readonly capacityName: 'limit' | 'burst';
  /** Whether a scope may set `burst` (then its rates' `burst` defaults to their limit). */
  readonly takesBurst: boolean;
  /** Whether a key can be blocked (`blockFor`, `ThrottleService.block`). */
  readonly blocks: boolean;
  /**
   * Whether a key keeps its history for the longest window among a scope's rates (`retainMs`), so a
   * client the server moves between tiers loses nothing.
   */
  readonly retains: boolean;
  readonly memory: MemoryUnit;
  readonly redis: RedisUnit;
  readonly model: ModelUnit;
}
