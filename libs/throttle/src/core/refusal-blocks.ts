import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { ThrottleClock } from '../clock';
import type { ControlCounter } from '../metrics/control-counter';
import type { CompiledScope } from '../options/compile-scope';
import type { RuleState, ThrottleDecision, ThrottleRule, ThrottleStorage } from '../storage/throttle-storage';

/** Clients whose block this process started (or saw) and still remembers, per process. */
const REMEMBERED_BLOCKS = 10_000;
/** How far the store's clock (Redis TIME) and this process's may disagree on a block's end. */
const CLOCK_SKEW_MS = 1_000;

/**
 * A scope's `blockFor` at the decider: when a request is refused by a scope that blocks, the client is
 * blocked in the store (`ThrottleStorage.block`: every instance refuses it until the block ends) and
 * this refusal reports the block that holds, as the store answers it (`Retry-After`, `RateLimit` t,
 * `X-RateLimit-Reset`): the store keeps an active block as it is (one `ThrottleService.block` set, or
 * another instance's), so the store's answer is the truth. Only a refusal this process cannot place
 * waits for that answer: one whose retry time is longer than a window (the store already reports a
 * block) or as long as a block this process learned from the store needs no call. A reset forgets the
 * learned block ({@link forget}: `ThrottleService.reset` on this process, the store's forget channel
 * for the others). When the store cannot block, the refusal stands as the window says (one log line).
 *
 * @example
 * const blocks = RefusalBlocks.of(config.scopes.values(), storage, clock); // undefined when no scope blocks
 * const blocked = blocks?.apply(scopes, rules, decision) ?? decision;      // a promise when the store is asked
 */
export class RefusalBlocks {
  /** The end (this process's clock) of each key's block, as the store last said. */
  private readonly until = new LRUCache<string, number>({ max: REMEMBERED_BLOCKS });
  /** Block calls under way, one per key: a flood of refusals asks the store once. */
  private readonly starting = new Map<string, Promise<number | undefined>>();
  private readonly logger = new Logger('Throttle');
  private failing = false;
  private watching = false;

  private constructor(
    private readonly storage: ThrottleStorage,
    private readonly clock: ThrottleClock,
    private readonly metrics?: ControlCounter,
  ) {}

  /** The blocks of an app, or undefined when no scope has `blockFor` (the decider then does nothing more). */
  static of(
    scopes: Iterable<CompiledScope>,
    storage: ThrottleStorage,
    clock: ThrottleClock,
    metrics?: ControlCounter,
  ): RefusalBlocks | undefined {
    for (const s of scopes) if (s.blockMs !== undefined) return new RefusalBlocks(storage, clock, metrics);
    return undefined;
  }

  /** `decision` with each blocking scope that refused reporting its block's end; a promise when the store must say which block holds. */
  apply(
    scopes: readonly CompiledScope[],
    rules: readonly ThrottleRule[],
    decision: ThrottleDecision,
  ): ThrottleDecision | Promise<ThrottleDecision> {
    if (decision.allowed) return decision;
    let states: RuleState[] | undefined;
    let asked: Promise<void>[] | undefined;
    const report = (i: number, leftMs: number | undefined) => {
      const state = decision.states[i];
      if (leftMs === undefined || leftMs <= state.retryAfterMs) return;
      states ??= decision.states.slice();
      states[i] = { ...state, remaining: 0, resetMs: Math.max(state.resetMs, leftMs), retryAfterMs: leftMs };
    };
    for (let i = 0; i < scopes.length; i++) {
      const blockMs = scopes[i].blockMs;
      const retryAfterMs = decision.states[i].retryAfterMs;
      if (blockMs === undefined || retryAfterMs <= 0) continue;
      const known = this.knownLeft(rules[i], retryAfterMs);
      if (known !== undefined) report(i, known);
      else
        (asked ??= []).push(
          this.start(rules[i], blockMs).then((until) => report(i, until === undefined ? undefined : until - this.clock.now())),
        );
    }
    const result = () => (states === undefined ? decision : { allowed: false, states });
    return asked === undefined ? result() : Promise.all(asked).then(result);
  }

  /** Forgets the blocks learned for these keys (they were reset): the next refusal asks the store again. */
  forget(keys: readonly string[]): void {
    for (const key of keys) this.until.delete(key);
  }

  /**
   * Milliseconds left of the key's block when this refusal needs no store call: its retry time is longer
   * than a window can be (the store reports a block), or as long as the block learned from the store
   * (within a second: the store's clock). Undefined when the store must say.
   */
  private knownLeft(rule: ThrottleRule, retryAfterMs: number): number | undefined {
    const now = this.clock.now();
    if (retryAfterMs > rule.windowMs) {
      this.until.set(rule.key, now + retryAfterMs);
      return retryAfterMs;
    }
    const remembered = this.until.get(rule.key) ?? 0;
    if (remembered > now && retryAfterMs >= remembered - now - CLOCK_SKEW_MS) return Math.max(retryAfterMs, remembered - now);
    return undefined;
  }

  /** Blocks the key in the store (an active block is kept); resolves with the end of the block that holds, or undefined. */
  private start(rule: ThrottleRule, blockMs: number): Promise<number | undefined> {
    const started = this.starting.get(rule.key);
    if (started !== undefined) return started;
    if (this.storage.block === undefined) return Promise.resolve(undefined);
    const block = this.storage.block({ rules: [rule] }, blockMs).then(
      ([leftMs]) => {
        this.starting.delete(rule.key);
        this.failing = false;
        this.watchResets();
        if (leftMs === blockMs) this.metrics?.countControl(rule.scope ?? '', 'block'); // not one that already held
        const until = this.clock.now() + leftMs;
        this.until.set(rule.key, until);
        return until;
      },
      (error: unknown) => {
        this.starting.delete(rule.key);
        if (!this.failing) {
          this.failing = true; // one line per run of failures (the store is down: its own log says so)
          this.logger.warn(
            `could not block a client of scope "${rule.scope}" (${(error as Error).message}); refusals stand, blocks resume with the store`,
          );
        }
        return undefined;
      },
    );
    this.starting.set(rule.key, block);
    return block;
  }

  /** Once a first block is learned: forget the keys any instance resets (the store's forget channel, when it has one). */
  private watchResets(): void {
    if (this.watching) return;
    this.watching = true;
    this.storage.watchForgotten?.((keys) => this.forget(keys));
  }
}
