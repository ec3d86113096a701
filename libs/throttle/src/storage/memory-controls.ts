import { emissionIntervalUs, GcraCell, gcraNext, gcraRefusedState, gcraState } from './gcra';
import type { ScopedLogs } from './scoped-logs';
import { SlidingLog } from './sliding-log';
import { retainOf, RuleState, ThrottleDecision, ThrottleRequest, ThrottleRule } from './throttle-storage';

/**
 * The memory store's runtime controls (`ThrottleService`): a decision that records nothing, and
 * refunds. Kept beside the store so its hot path (`memory.storage.ts`) stays as it was.
 *
 * @example
 * peekDecision(logs, { rules: [rule] }, clock.now()); // { allowed: true, states: [{ remaining: 4, … }] }
 * refundRule(logs, rule, clock.now());               // 1 (units taken back)
 */
export function peekDecision(logs: ScopedLogs, request: ThrottleRequest, now: number): ThrottleDecision {
  const nowUs = Math.round(now * 1000);
  const rules = request.rules;
  const counters = rules.map((rule) => logs.existing(rule));
  const gcraNexts = rules.map((rule, i) => (rule.algorithm === 'gcra' ? gcraNext(cellOf(counters[i]), rule, nowUs) : 0));
  const counts = rules.map((rule, i) => (rule.algorithm === 'gcra' ? 0 : windowCount(logOf(counters[i], rule), rule, now)));
  const allowed = rules.every((rule, i) => (rule.algorithm === 'gcra' ? gcraNexts[i] >= 0 : counts[i] + (rule.cost ?? 1) <= rule.limit));
  const states = rules.map((rule, i): RuleState => {
    if (rule.algorithm === 'gcra') {
      return allowed ? gcraState(rule, gcraNexts[i] - nowUs, 0) : gcraRefusedState(cellOf(counters[i]), rule, nowUs);
    }
    const log = logOf(counters[i], rule);
    if (!allowed) return slidingRefusedState(rule, log, counts[i], now);
    const resetMs = counts[i] === 0 ? rule.windowMs : rule.windowMs - (now - log.at(log.length - counts[i]));
    return { remaining: rule.limit - counts[i] - (rule.cost ?? 1), resetMs, retryAfterMs: 0 };
  });
  return { allowed, states };
}

/**
 * Takes back the rule's `cost` newest units: a sliding log's newest inside the rule's window (never
 * more than it holds, never a block's units: a refund never lifts a block), a GCRA cell's `tat` moved back by `cost * T` but never below now (the bucket
 * never holds more than when idle). Returns the units taken back.
 */
export function refundRule(logs: ScopedLogs, rule: ThrottleRule, now: number): number {
  const counter = logs.existing(rule);
  const cost = rule.cost ?? 1;
  if (counter instanceof GcraCell) {
    const nowUs = Math.round(now * 1000);
    if (counter.tat <= nowUs) return 0;
    const interval = emissionIntervalUs(rule);
    const back = Math.min(cost * interval, counter.tat - nowUs);
    counter.tat -= back;
    return Math.ceil(back / interval);
  }
  if (!(counter instanceof SlidingLog)) return 0;
  counter.prune(now, retainOf(rule));
  return counter.dropNewest(cost, now - rule.windowMs);
}

/**
 * Blocks a sliding log's key for `blockMs`: `limit` units at `now + blockMs - windowMs`, which stay in
 * the window until the block ends (the log's retry times then say so). An active block is kept, not
 * extended. Returns the milliseconds left of the block.
 */
export function blockRule(logs: ScopedLogs, rule: ThrottleRule, blockMs: number, now: number): number {
  const log = logs.logFor(rule);
  if (log.blockedUntil > now) return log.blockedUntil - now;
  log.prune(now, retainOf(rule));
  log.blockedUntil = now + blockMs;
  log.blockAt = now + blockMs - rule.windowMs;
  log.blockUnits = rule.limit;
  log.insertAt(log.blockAt, rule.limit, rule.limit, retainOf(rule));
  return blockMs;
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

/** A sliding log's admissions in the rule's window, after trimming what its key no longer retains. */
export function windowCount(log: SlidingLog, rule: ThrottleRule, now: number): number {
  const retainMs = retainOf(rule);
  const kept = log.prune(now, retainMs);
  return retainMs === rule.windowMs ? kept : log.countSince(now, rule.windowMs);
}

function cellOf(counter: unknown): GcraCell {
  return counter instanceof GcraCell ? counter : new GcraCell();
}

function logOf(counter: unknown, rule: ThrottleRule): SlidingLog {
  return counter instanceof SlidingLog ? counter : new SlidingLog(rule.limit, retainOf(rule));
}
