import type { ThrottleDecision, ThrottleStorage } from '../storage/throttle-storage';
import type { FakeClock } from './fake-clock';

/** What a store under test provides: the store, the fake clock it reads, and a cleanup. */
export interface ConformanceSubject {
  storage: ThrottleStorage;
  clock: FakeClock;
  close?: () => Promise<void> | void;
}

let keySeq = 0;
/** A key unique to this process run, so suites on a shared server never see each other's logs. */
export function freshKey(label: string): string {
  keySeq += 1;
  return `conf-${process.pid}-${Date.now()}-${keySeq}:{${label}}`;
}

/**
 * The decision without the optional `certainRetryAfterMs` hint (a store may report it on any refusal),
 * after checking the hint's bounds: never negative, never longer than `retryAfterMs`.
 */
export function withoutHints(decision: ThrottleDecision): ThrottleDecision {
  const states = decision.states.map(({ certainRetryAfterMs, ...state }) => {
    if (certainRetryAfterMs !== undefined) {
      expect(certainRetryAfterMs).toBeGreaterThanOrEqual(0);
      expect(certainRetryAfterMs).toBeLessThanOrEqual(state.retryAfterMs);
    }
    return state;
  });
  return { allowed: decision.allowed, states };
}
