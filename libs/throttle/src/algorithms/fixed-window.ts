import type { RuleState, ThrottleRule } from '../storage/throttle-storage';
import type { Algorithm, MemoryCounter, MemoryUnit, RedisUnit } from './algorithm';
import { FIXED_WINDOW_LUA } from './fixed-window.lua';
import { fixedWindowModel } from './fixed-window.model';

/** One fixed-window key of the memory store: when its window ends (ms, store clock) and the units admitted in it. */
export class FixedWindowCell implements MemoryCounter {
  /** The current window's end; -Infinity before the first admission. */
  end = -Infinity;
  count = 0;

  isLive(now: number): boolean {
    return this.end > now && this.count > 0;
  }
}

/** A refused request's state: full until the window ends (when it holds `count` units and `count + cost` exceed the limit). */
function refused(rule: ThrottleRule, count: number, leftMs: number | undefined): RuleState {
  const full = count + (rule.cost ?? 1) > rule.limit;
  return { remaining: Math.max(0, rule.limit - count), resetMs: leftMs ?? 0, retryAfterMs: full ? (leftMs ?? 0) : 0 };
}

const left = (cell: FixedWindowCell, now: number): number | undefined => (cell.end > now ? cell.end - now : undefined);

const memory: MemoryUnit<FixedWindowCell> = {
  create: () => new FixedWindowCell(),
  owns: (counter: MemoryCounter | undefined): counter is FixedWindowCell => counter instanceof FixedWindowCell,
  /** The units admitted in the current window (0 once it has ended). */
  check: (cell, _rule, now) => (cell.end > now ? cell.count : 0),
  admits: (count, rule) => count + (rule.cost ?? 1) <= rule.limit,
  admit(cell, rule, count, now) {
    if (cell.end <= now) {
      cell.end = now + rule.windowMs; // the first admission opens the window
      cell.count = 0;
    }
    cell.count = count + (rule.cost ?? 1);
    return { remaining: rule.limit - cell.count, resetMs: cell.end - now, retryAfterMs: 0 };
  },
  preview: (cell, rule, count, now) => ({
    remaining: rule.limit - count - (rule.cost ?? 1),
    resetMs: left(cell, now) ?? rule.windowMs,
    retryAfterMs: 0,
  }),
  refuse: (cell, rule, count, now) => refused(rule, count, left(cell, now)),
  refund(cell, rule, now) {
    if (cell.end <= now) return 0;
    const taken = Math.min(rule.cost ?? 1, cell.count);
    cell.count -= taken;
    return taken;
  },
};

/**
 * The script's numbers for a fixed window: count (units in the current window before this request),
 * left (µs until the window ends; -1 when none is open), sure (count without provisional units that
 * may still be withdrawn), -1.
 */
function stateOf(rule: ThrottleRule, allowed: boolean, reply: readonly number[], at: number): RuleState {
  const count = reply[at];
  const leftMs = reply[at + 1] === -1 ? undefined : reply[at + 1] / 1000;
  const cost = rule.cost ?? 1;
  if (allowed) return { remaining: rule.limit - count - cost, resetMs: leftMs ?? rule.windowMs, retryAfterMs: 0 };
  const state = refused(rule, count, leftMs);
  const sure = reply[at + 2];
  if (sure === count || state.retryAfterMs === 0) return state;
  return { ...state, certainRetryAfterMs: sure + cost > rule.limit ? state.retryAfterMs : 0 };
}

const redis: RedisUnit = {
  lua: FIXED_WINDOW_LUA,
  extraArg: () => 0,
  stateOf,
  takeArgs: (rule) => [rule.cost ?? 1, rule.windowMs],
};

/**
 * A fixed window, what `@nestjs/throttler` counts: at most `limit` units per window of `windowMs`, the
 * window opening at the key's first admission (not on a clock boundary) and closing `windowMs` later,
 * when the count starts again from zero. One number per key (and its window's end); a client may pass
 * up to twice the limit around a window's end, which the sliding log never allows.
 */
export const fixedWindow: Algorithm = {
  name: 'fixed-window',
  keyEnd: '}:fw',
  capacityName: 'limit',
  takesBurst: false,
  blocks: false,
  retains: false,
  memory: memory as MemoryUnit,
  redis,
  model: fixedWindowModel,
};
