import type { CompiledScope } from '../options/compile-scope';
import { normalizeOptions } from '../options/normalize-options';
import type { RuleState, ThrottleRule } from '../storage/throttle-storage';
import { enforcedView, ownerOf } from './scope-states';

// The client's view of a decision: shadow scopes send no headers and refuse nothing, and a scope decided
// under its own rate and a client-chosen tier's rate is described by the rule that restricts it more.

const config = normalizeOptions({
  scopes: {
    api: { rate: '10/minute', tier: 'header:x-plan', tiers: { trial: '2/minute' } },
    hi: '60/minute',
    search: { rate: '5/minute', mode: 'shadow' },
  },
});
const scope = (name: string): CompiledScope => config.scopes.get(name)!;
const rule = (key: string, limit: number): ThrottleRule => ({ key, limit, windowMs: 60_000 });
const state = (remaining: number, resetMs: number, retryAfterMs = 0): RuleState => ({ remaining, resetMs, retryAfterMs });

it('compiles the scopes these cases use', () => {
  expect(config.problems).toEqual([]);
});

describe('enforcedView', () => {
  it('returns the decision as it is when no scope is shadow and no tier adds a rule', () => {
    const scopes = [scope('api'), scope('hi')];
    const rules = [rule('a', 10), rule('h', 60)];
    const decision = { allowed: true, states: [state(9, 60_000), state(59, 60_000)] };
    const view = enforcedView(scopes, { rules, owners: [] }, decision);
    expect(view).toEqual({ scopes, rules, decision });
  });

  it('leaves shadow scopes out, and admits a request only they refuse', () => {
    const scopes = [scope('hi'), scope('search')];
    const rules = [rule('h', 60), rule('s', 5)];
    const view = enforcedView(scopes, { rules, owners: [] }, { allowed: false, states: [state(59, 60_000), state(0, 9_000, 9_000)] });
    expect(view.scopes.map((s) => s.name)).toEqual(['hi']);
    expect(view.rules).toEqual([rules[0]]);
    expect(view.decision).toEqual({ allowed: true, states: [state(59, 60_000)] });
  });

  it("describes a scope by its client tier's rule when that one refuses", () => {
    const scopes = [scope('api')];
    const rules = [rule('a', 10), rule('a:trial', 2)];
    const decision = { allowed: false, states: [state(7, 60_000), state(0, 40_000, 40_000)] };
    const view = enforcedView(scopes, { rules, owners: [0] }, decision);
    expect(view.rules).toEqual([rules[1]]);
    expect(view.decision).toEqual({ allowed: false, states: [state(0, 40_000, 40_000)] });
  });

  it('on a refusal by both rules, keeps the one that frees up last, so Retry-After covers both', () => {
    const view = enforcedView(
      [scope('api')],
      { rules: [rule('a', 10), rule('a:trial', 2)], owners: [0] },
      { allowed: false, states: [state(0, 50_000, 50_000), state(0, 20_000, 20_000)] },
    );
    expect(view.decision.states).toEqual([state(0, 50_000, 50_000)]);
  });

  it('when both admit, keeps the rule with the least left (a tie: the later reset)', () => {
    const both = (a: RuleState, b: RuleState) =>
      enforcedView([scope('api')], { rules: [rule('a', 10), rule('a:trial', 2)], owners: [0] }, { allowed: true, states: [a, b] }).rules[0]
        .key;
    expect(both(state(8, 60_000), state(1, 60_000))).toBe('a:trial');
    expect(both(state(1, 10_000), state(1, 30_000))).toBe('a:trial');
    expect(both(state(1, 30_000), state(1, 10_000))).toBe('a');
  });

  it("pairs each tier rule with its own scope's state on a route with several scopes", () => {
    const scopes = [scope('hi'), scope('api')];
    const rules = [rule('h', 60), rule('a', 10), rule('a:trial', 2)];
    const view = enforcedView(
      scopes,
      { rules, owners: [1] },
      { allowed: true, states: [state(3, 60_000), state(9, 6_000), state(0, 30_000)] },
    );
    expect(view.rules.map((r) => r.key)).toEqual(['h', 'a:trial']);
    expect(view.decision.states).toEqual([state(3, 60_000), state(0, 30_000)]);
  });
});

describe('ownerOf', () => {
  it("maps each scope's own rule to itself and each tier rule to the scope that owns it", () => {
    expect([0, 1, 2, 3].map((r) => ownerOf(r, 2, [1, 0]))).toEqual([0, 1, 1, 0]);
  });
});
