import { algorithmOf } from '../../algorithms/registry';
import { slidingLog } from '../../algorithms/sliding-log';
import type { ScopedCounters } from './scoped-counters';
import type { SlidingLog } from '../../algorithms/sliding-log-buffer';
import { retainOf, ThrottleDecision, ThrottleRequest, ThrottleRule } from '../throttle-storage';

/**
 * The memory store's runtime controls (`ThrottleService`): a decision that records nothing, refunds
 * and blocks. Kept beside the store so its hot path (`memory.storage.ts`) stays as it was.
 *
 * @example
 * peekDecision(counters, { rules: [rule] }, clock.now()); // { allowed: true, states: [{ remaining: 4, … }] }
 * refundRule(counters, rule, clock.now());               // 1 (units taken back)
 */
export function peekDecision(counters: ScopedCounters, request: ThrottleRequest, now: number): ThrottleDecision {
  const rules = request.rules;
  const units = rules.map((rule) => algorithmOf(rule).memory);
  // A key never seen is read from a fresh counter, which is not stored.
  const read = rules.map((rule, i) => {
    const existing = counters.existing(rule);
    return units[i].owns(existing) ? existing : units[i].create(rule);
  });
  const marks = rules.map((rule, i) => units[i].check(read[i], rule, now));
  const allowed = rules.every((rule, i) => units[i].admits(marks[i], rule));
  const states = rules.map((rule, i) =>
    allowed ? units[i].preview(read[i], rule, marks[i], now) : units[i].refuse(read[i], rule, marks[i], now),
  );
  return { allowed, states };
}

/** Takes back the rule's `cost` newest units, as its algorithm defines it (never below zero, never a block's units: a refund never lifts a block). Returns the units taken back. */
export function refundRule(counters: ScopedCounters, rule: ThrottleRule, now: number): number {
  const unit = algorithmOf(rule).memory;
  const counter = counters.existing(rule);
  return unit.owns(counter) ? unit.refund(counter, rule, now) : 0;
}

/**
 * Blocks a sliding log's key for `blockMs`: `limit` units at `now + blockMs - windowMs`, which stay in
 * the window until the block ends (the log's retry times then say so). An active block is kept, not
 * extended. Returns the milliseconds left of the block.
 */
export function blockRule(counters: ScopedCounters, rule: ThrottleRule, blockMs: number, now: number): number {
  const log = counters.counterFor(rule, slidingLog.memory) as SlidingLog;
  if (log.blockedUntil > now) return log.blockedUntil - now;
  log.prune(now, retainOf(rule));
  log.blockedUntil = now + blockMs;
  log.blockAt = now + blockMs - rule.windowMs;
  log.blockUnits = rule.limit;
  log.insertAt(log.blockAt, rule.limit, rule.limit, retainOf(rule));
  return blockMs;
}
