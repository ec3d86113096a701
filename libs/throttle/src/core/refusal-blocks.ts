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
 * this refusal already reports the block's end (`Retry-After`, `RateLimit` t, `X-RateLimit-Reset`).
 * The request is not held up: the block is written in the background (an error is logged, the
 * refusal stands). The store keeps an active block as it is, so a client refused during its block is
 * not blocked anew; this process also remembers the blocks it started, to not ask again.
 *
 * @example
 * const blocks = RefusalBlocks.of(config.scopes.values(), storage, clock); // undefined when no scope blocks
 * decision = blocks?.apply(scopes, rules, decision) ?? decision;
 */
export class RefusalBlocks {
  private readonly until = new LRUCache<string, number>({ max: REMEMBERED_BLOCKS });
  private readonly logger = new Logger('Throttle');
  private failing = false;

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

  /** `decision` with each blocking scope that refused reporting its block's end; starts the blocks not yet started. */
  apply(scopes: readonly CompiledScope[], rules: readonly ThrottleRule[], decision: ThrottleDecision): ThrottleDecision {
    if (decision.allowed) return decision;
    let states: RuleState[] | undefined;
    for (let i = 0; i < scopes.length; i++) {
      const blockMs = scopes[i].blockMs;
      const state = decision.states[i];
      if (blockMs === undefined || state.retryAfterMs <= 0) continue;
      const leftMs = this.blockLeft(rules[i], blockMs, state.retryAfterMs);
      if (leftMs <= state.retryAfterMs) continue;
      states ??= decision.states.slice();
      states[i] = { ...state, remaining: 0, resetMs: Math.max(state.resetMs, leftMs), retryAfterMs: leftMs };
    }
    return states === undefined ? decision : { allowed: false, states };
  }

  /**
   * Milliseconds left of the block of the rule's key. The store's refusal already tells a block when it
   * is longer than a window can (another instance started it), or as long as the one this process
   * remembers (within a second: the store's clock); otherwise (none yet, or lifted by a reset) a new
   * one starts now.
   */
  private blockLeft(rule: ThrottleRule, blockMs: number, retryAfterMs: number): number {
    const now = this.clock.now();
    const remembered = this.until.get(rule.key) ?? 0;
    if (retryAfterMs > rule.windowMs || (remembered > now && retryAfterMs >= remembered - now - CLOCK_SKEW_MS)) {
      if (retryAfterMs > rule.windowMs) this.until.set(rule.key, now + retryAfterMs);
      return Math.max(retryAfterMs, remembered - now);
    }
    this.until.set(rule.key, now + blockMs);
    this.storage.block?.({ rules: [rule] }, blockMs).then(
      ([leftMs]) => {
        this.until.set(rule.key, now + leftMs);
        this.failing = false;
        if (leftMs === blockMs) this.metrics?.countControl(rule.scope ?? '', 'block'); // not one another instance started
      },
      (error: unknown) => {
        this.until.delete(rule.key);
        if (this.failing) return; // one line per run of failures (the store is down: its own log says so)
        this.failing = true;
        this.logger.warn(
          `could not block a client of scope "${rule.scope}" (${(error as Error).message}); refusals stand, blocks resume with the store`,
        );
      },
    );
    return blockMs;
  }
}
