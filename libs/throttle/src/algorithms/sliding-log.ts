import { SlidingLog } from './sliding-log-buffer';
import { retainOf, RuleState, ThrottleRule } from '../storage/throttle-storage';
import type { Algorithm, MemoryCounter, MemoryUnit, RedisUnit } from './algorithm';
import { SLIDING_LOG_LUA } from './sliding-log.lua';
import { slidingLogModel } from './sliding-log.model';

/** The scripts' "none" (-1). Ages can be negative otherwise: a block's units lie ahead of now (block.script.ts). */
const NONE = -1;

/** A sliding log's admissions in the rule's window, after trimming what its key no longer retains. */
export function windowCount(log: SlidingLog, rule: ThrottleRule, now: number): number {
  const retainMs = retainOf(rule);
  const kept = log.prune(now, retainMs);
  return retainMs === rule.windowMs ? kept : log.countSince(now, rule.windowMs);
}

/** A refused request's state: admissible once the oldest `count + cost - limit` units have left the window. */
export function slidingRefusedState(rule: ThrottleRule, log: SlidingLog, count: number, now: number): RuleState {
  const first = log.length - count;
  const resetMs = count === 0 ? 0 : rule.windowMs - (now - log.at(first));
  const mustLeave = count + (rule.cost ?? 1) - rule.limit;
  // (A cost above the limit, which boot refuses, would never fit: it reports a whole window.)
  const retryAfterMs = mustLeave <= 0 ? 0 : mustLeave > count ? rule.windowMs : rule.windowMs - (now - log.at(first + mustLeave - 1));
  return { remaining: Math.max(0, rule.limit - count), resetMs, retryAfterMs };
}

const memory: MemoryUnit<SlidingLog> = {
  create: (rule) => new SlidingLog(rule.limit, retainOf(rule)),
  owns: (counter: MemoryCounter | undefined): counter is SlidingLog => counter instanceof SlidingLog,
  check: windowCount,
  admits: (count, rule) => count + (rule.cost ?? 1) <= rule.limit,
  admit(log, rule, count, now) {
    const cost = rule.cost ?? 1;
    const first = log.length - count; // the oldest admission inside the rule's window (older ones are only retained)
    log.push(now, cost, rule.limit, retainOf(rule));
    return { remaining: rule.limit - count - cost, resetMs: rule.windowMs - (now - log.at(first)), retryAfterMs: 0 };
  },
  preview(log, rule, count, now) {
    const resetMs = count === 0 ? rule.windowMs : rule.windowMs - (now - log.at(log.length - count));
    return { remaining: rule.limit - count - (rule.cost ?? 1), resetMs, retryAfterMs: 0 };
  },
  refuse: (log, rule, count, now) => slidingRefusedState(rule, log, count, now),
  refund(log, rule, now) {
    log.prune(now, retainOf(rule));
    return log.dropNewest(rule.cost ?? 1, now - rule.windowMs);
  },
};

/**
 * The script's numbers for a sliding log (µs): count (units in the window before this request), oldestAge,
 * freeingAge (the unit whose expiry makes room for cost), certainAge (the same counting only units that
 * can no longer be withdrawn); -1 for none. Plus `certainRetryAfterMs` when the two ages differ.
 */
const redis: RedisUnit = {
  lua: SLIDING_LOG_LUA,
  extraArg: retainOf,
  stateOf(rule, allowed, reply, at) {
    const count = reply[at];
    const oldestAgeUs = reply[at + 1];
    const freeingAgeUs = reply[at + 2];
    const certainAgeUs = reply[at + 3];
    const windowUs = rule.windowMs * 1000;
    if (allowed) {
      const resetUs = oldestAgeUs === NONE ? windowUs : windowUs - oldestAgeUs;
      return { remaining: rule.limit - count - (rule.cost ?? 1), resetMs: resetUs / 1000, retryAfterMs: 0 };
    }
    const state = {
      remaining: Math.max(0, rule.limit - count),
      resetMs: oldestAgeUs === NONE ? 0 : (windowUs - oldestAgeUs) / 1000,
      retryAfterMs: freeingAgeUs === NONE ? 0 : (windowUs - freeingAgeUs) / 1000,
    };
    if (certainAgeUs === freeingAgeUs) return state;
    return { ...state, certainRetryAfterMs: certainAgeUs === NONE ? 0 : (windowUs - certainAgeUs) / 1000 };
  },
  takeArgs: (rule) => [rule.cost ?? 1, rule.windowMs],
};

/**
 * The default: exact. A request is admitted iff the units admitted under its key in the trailing
 * `windowMs`, plus its `cost`, stay within `limit`; an admission logs `cost` units at now.
 */
export const slidingLog: Algorithm = {
  name: 'sliding-log',
  keyEnd: '}',
  capacityName: 'limit',
  takesBurst: false,
  blocks: true,
  retains: true,
  memory: memory as MemoryUnit,
  redis,
  model: slidingLogModel,
};
