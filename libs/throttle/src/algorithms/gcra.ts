import { emissionIntervalUs, GcraCell, gcraNext, gcraRefusal, gcraRefusedState, gcraRetryUs, gcraState } from './gcra-cell';
import type { RuleState, ThrottleRule } from '../storage/throttle-storage';
import type { Algorithm, MemoryCounter, MemoryUnit, RedisUnit } from './algorithm';
import { GCRA_LUA } from './gcra.lua';
import { gcraModel } from './gcra.model';

const micros = (now: number): number => Math.round(now * 1000);

const memory: MemoryUnit<GcraCell> = {
  create: () => new GcraCell(),
  owns: (counter: MemoryCounter | undefined): counter is GcraCell => counter instanceof GcraCell,
  /** The next arrival time an admission would store, or -1 when the rule refuses. */
  check: (cell, rule, now) => gcraNext(cell, rule, micros(now)),
  admits: (next) => next >= 0,
  admit(cell, rule, next, now) {
    cell.tat = next;
    return gcraState(rule, next - micros(now), 0);
  },
  preview: (_cell, rule, next, now) => gcraState(rule, next - micros(now), 0),
  refuse: (cell, rule, _next, now) => gcraRefusedState(cell, rule, micros(now)),
  /** Moves `tat` back by `cost * T`, never below now (the bucket never holds more than when idle). */
  refund(cell, rule, now) {
    const nowUs = micros(now);
    if (cell.tat <= nowUs) return 0;
    const interval = emissionIntervalUs(rule);
    const back = Math.min((rule.cost ?? 1) * interval, cell.tat - nowUs);
    cell.tat -= back;
    return Math.ceil(back / interval);
  },
};

/**
 * A GCRA rule's state from the script's numbers: its debt before the request (`max(tat, now) - now`, µs)
 * and that debt without what pending cross-slot withdrawals may still take out of it (`sureDebtUs`): the
 * refusal is certain only as far as the sure debt alone keeps the bucket short of this request's cost.
 */
function stateOf(rule: ThrottleRule, allowed: boolean, reply: readonly number[], at: number): RuleState {
  const debtUs = reply[at];
  const sureDebtUs = reply[at + 1];
  if (allowed) return gcraState(rule, debtUs + (rule.cost ?? 1) * emissionIntervalUs(rule), 0);
  const state = gcraRefusal(rule, debtUs);
  if (sureDebtUs === debtUs || state.retryAfterMs === 0) return state;
  return { ...state, certainRetryAfterMs: gcraRetryUs(rule, sureDebtUs) / 1000 };
}

const redis: RedisUnit = {
  lua: GCRA_LUA,
  extraArg: (rule) => rule.burst ?? rule.limit,
  stateOf,
  takeArgs: (rule) => [(rule.cost ?? 1) * emissionIntervalUs(rule), emissionIntervalUs(rule)],
};

/**
 * GCRA, the leaky bucket as a meter: the key holds one number, its theoretical arrival time `tat`
 * (integer µs). With `T = ceil(windowMs * 1000 / limit)` µs: `next = max(tat, now) + cost * T`; admitted
 * iff `next - now <= burst * T`, and then `tat = next`. `burst` at once when idle, then one per `T`.
 */
export const gcra: Algorithm = {
  name: 'gcra',
  keyEnd: '}:gcra',
  capacityName: 'burst',
  takesBurst: true,
  blocks: false,
  retains: false,
  memory: memory as MemoryUnit,
  redis,
  model: gcraModel,
};
