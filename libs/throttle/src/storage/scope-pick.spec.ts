import type { RuleState } from './throttle-storage';
import { mostRestrictive, refusedScope } from './scope-pick';

// Which scope a response speaks for: the 429's `scope` and the X-RateLimit-* headers describe one scope
// of a route with several.

const state = (remaining: number, resetMs: number, retryAfterMs = 0): RuleState => ({ remaining, resetMs, retryAfterMs });

describe('refusedScope', () => {
  it('names the scope that frees up last, wherever it is in the route', () => {
    expect(refusedScope({ allowed: false, states: [state(0, 0, 1_000), state(0, 0, 9_000), state(0, 0, 3_000)] })).toBe(1);
    expect(refusedScope({ allowed: false, states: [state(0, 0, 1_000), state(4, 0, 0), state(0, 0, 3_000)] })).toBe(2);
  });

  it('keeps the first of scopes that free up at the same time', () => {
    expect(refusedScope({ allowed: false, states: [state(0, 0, 0), state(0, 0, 5_000), state(0, 0, 5_000)] })).toBe(1);
  });
});

describe('mostRestrictive', () => {
  it('on an admitted request, picks the scope with the least left', () => {
    expect(mostRestrictive({ allowed: true, states: [state(9, 100), state(2, 100), state(5, 100)] })).toBe(1);
  });

  it('breaks a tie in what is left by the later reset, then by route order', () => {
    expect(mostRestrictive({ allowed: true, states: [state(2, 1_000), state(2, 60_000), state(3, 90_000)] })).toBe(1);
    expect(mostRestrictive({ allowed: true, states: [state(2, 1_000), state(2, 1_000)] })).toBe(0);
  });

  it('on a refusal, picks the refusing scope that frees up last, not the one with the least left', () => {
    expect(mostRestrictive({ allowed: false, states: [state(0, 0, 2_000), state(0, 0, 7_000)] })).toBe(1);
    expect(mostRestrictive({ allowed: false, states: [state(0, 500, 500), state(0, 60_000, 0)] })).toBe(0);
  });

  it('is the only scope of a single-scope route', () => {
    expect(mostRestrictive({ allowed: true, states: [state(0, 0)] })).toBe(0);
    expect(refusedScope({ allowed: false, states: [state(0, 0, 1)] })).toBe(0);
  });
});
