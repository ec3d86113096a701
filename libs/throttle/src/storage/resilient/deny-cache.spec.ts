import { FakeClock } from '../../testing';
import { DenyCache } from './deny-cache';
import { ThrottleDecision } from '../throttle-storage';

describe('DenyCache', () => {
  const a = { key: 'a:{x}', limit: 2, windowMs: 1_000 };
  const b = { key: 'b:{x}', limit: 10, windowMs: 60_000 };
  const refusedA: ThrottleDecision = {
    allowed: false,
    states: [
      { remaining: 0, resetMs: 400, retryAfterMs: 400 },
      { remaining: 7, resetMs: 50_000, retryAfterMs: 0 },
    ],
  };

  it('refuses a full key locally until the store said it frees, counted from when the request was sent', () => {
    const clock = new FakeClock();
    const cache = new DenyCache(clock);
    const sentAt = clock.now();
    clock.advance(3); // the round trip
    cache.remember({ rules: [a, b] }, refusedA, sentAt);
    expect(cache.check({ rules: [a] })).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 397, retryAfterMs: 397 }] });
    clock.advance(396);
    expect(cache.check({ rules: [a] })?.states[0].retryAfterMs).toBe(1);
    clock.advance(1);
    expect(cache.check({ rules: [a] })).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('refuses a multi-rule request when any of its keys is full; remembers only full keys', () => {
    const clock = new FakeClock();
    const cache = new DenyCache(clock);
    cache.remember({ rules: [a, b] }, refusedA, clock.now());
    expect(cache.check({ rules: [b] })).toBeUndefined();
    const decision = cache.check({ rules: [b, a] });
    expect(decision?.allowed).toBe(false);
    expect(decision?.states[1]).toEqual({ remaining: 0, resetMs: 400, retryAfterMs: 400 });
    expect(decision?.states[0]).toEqual({ remaining: 10, resetMs: 0, retryAfterMs: 0 });
  });

  it('remembers a refusal that counted admissions which may be withdrawn only for its certainRetryAfterMs', () => {
    const clock = new FakeClock();
    const cache = new DenyCache(clock);
    const c = { key: 'c:{y}', limit: 1, windowMs: 60_000 };
    const refused = (retryAfterMs: number, certainRetryAfterMs: number): ThrottleDecision => ({
      allowed: false,
      states: [{ remaining: 0, resetMs: retryAfterMs, retryAfterMs, certainRetryAfterMs }],
    });
    cache.remember({ rules: [a] }, refused(60_000, 0), clock.now());
    expect(cache.check({ rules: [a] })).toBeUndefined(); // full only while a withdrawable admission counts
    cache.remember({ rules: [c] }, refused(60_000, 59_000), clock.now());
    clock.advance(58_999);
    expect(cache.check({ rules: [c] })?.states[0].retryAfterMs).toBe(1_001); // refused here 1 ms more; Retry-After the store's
    clock.advance(1);
    expect(cache.check({ rules: [c] })).toBeUndefined();
  });

  it('ignores admissions and stays bounded', () => {
    const clock = new FakeClock();
    const cache = new DenyCache(clock, 3);
    cache.remember({ rules: [a] }, { allowed: true, states: [{ remaining: 0, resetMs: 1_000, retryAfterMs: 0 }] }, clock.now());
    expect(cache.size).toBe(0);
    for (let i = 0; i < 10; i++) {
      const rule = { key: `k${i}`, limit: 1, windowMs: 1_000 };
      cache.remember({ rules: [rule] }, { allowed: false, states: [{ remaining: 0, resetMs: 900, retryAfterMs: 900 }] }, clock.now());
    }
    expect(cache.size).toBe(3);
    expect(cache.check({ rules: [{ key: 'k9', limit: 1, windowMs: 1_000 }] })?.allowed).toBe(false);
    expect(cache.check({ rules: [{ key: 'k0', limit: 1, windowMs: 1_000 }] })).toBeUndefined();
  });

  it('covers only requests its refusal decides: the same rate and the same cost', () => {
    const clock = new FakeClock();
    const cache = new DenyCache(clock);
    const costly = { ...a, cost: 2 };
    cache.remember({ rules: [costly] }, { allowed: false, states: [{ remaining: 1, resetMs: 400, retryAfterMs: 400 }] }, clock.now());
    expect(cache.check({ rules: [costly] })?.allowed).toBe(false);
    expect(cache.check({ rules: [{ ...a, cost: 3 }] })).toBeUndefined(); // frees up later: the store says when
    expect(cache.check({ rules: [a] })).toBeUndefined(); // one unit may fit now: ask the store
    expect(cache.check({ rules: [{ ...costly, limit: 5 }] })).toBeUndefined(); // another tier's rate
    expect(cache.check({ rules: [{ ...costly, algorithm: 'gcra', burst: 2 }] })).toBeUndefined();
  });

  // Found by the model suite (test/model, redis fastify, MODEL_SEED=390448026): GCRA 2/60s, a cost-1 request
  // refused for 30 s, then a cost-2 request answered from the cache with Retry-After 30 where it needs 60.
  it("never answers a costlier request with a cheaper refusal's Retry-After", () => {
    const clock = new FakeClock();
    const cache = new DenyCache(clock);
    const gcra = { key: 'g', limit: 2, windowMs: 60_000, algorithm: 'gcra' as const, burst: 2 };
    cache.remember(
      { rules: [{ ...gcra, cost: 1 }] },
      { allowed: false, states: [{ remaining: 0, resetMs: 29_999, retryAfterMs: 29_999 }] },
      clock.now(),
    );
    expect(cache.check({ rules: [{ ...gcra, cost: 1 }] })?.states[0].retryAfterMs).toBe(29_999);
    expect(cache.check({ rules: [{ ...gcra, cost: 2 }] })).toBeUndefined();
  });

  // Found by the model suite (test/model, cluster fastify, MODEL_SEED=-1229269452): 4/10s, a cost-3 request
  // refused until t=10 s, a cost-2 one admitted at t=1 s (now full until 11 s), then the cost-3 one answered
  // from the cache with Retry-After 9 where it needs 10.
  it('forgets a full key when the store admits a request on it (its reopening moved later)', () => {
    const clock = new FakeClock();
    const cache = new DenyCache(clock);
    const rule = { key: 'k', limit: 4, windowMs: 10_000 };
    cache.remember(
      { rules: [{ ...rule, cost: 3 }] },
      { allowed: false, states: [{ remaining: 2, resetMs: 10_000, retryAfterMs: 10_000 }] },
      clock.now(),
    );
    clock.advance(1_001);
    cache.remember(
      { rules: [{ ...rule, cost: 2 }] },
      { allowed: true, states: [{ remaining: 0, resetMs: 8_999, retryAfterMs: 0 }] },
      clock.now(),
    );
    expect(cache.check({ rules: [{ ...rule, cost: 3 }] })).toBeUndefined();
  });

  // Found by the model suite (test/model, Cluster with scopes keyed differently): a refusal counting another
  // request's provisional cross-slot admission is remembered for its certain part (1 999 ms of 2 000) and
  // answered with that as Retry-After: 1 s where the store said 2 s, so a client waiting it is refused again.
  it("reports the store's reopening time for a refusal remembered only for its certain part", () => {
    const clock = new FakeClock();
    const cache = new DenyCache(clock);
    const rule = { key: 'k', limit: 1, windowMs: 2_000 };
    const refused = { remaining: 0, resetMs: 2_000, retryAfterMs: 2_000, certainRetryAfterMs: 1_999 };
    cache.remember({ rules: [rule] }, { allowed: false, states: [refused] }, clock.now());
    clock.advance(999);
    expect(cache.check({ rules: [rule] })?.states[0].retryAfterMs).toBe(1_001);
    clock.advance(1_000);
    expect(cache.check({ rules: [rule] })).toBeUndefined(); // past the certain part: the store decides
  });

  // Found by the model suite (test/model/model-controls.spec.ts, seed -1052595736): a blockFor shorter
  // than the window, started by a refusal, made the cache answer the block's end, before the store reopens.
  it('keeps a refusal that lasts longer than a block written after it; leaves a key not known full to the store', () => {
    const clock = new FakeClock();
    const cache = new DenyCache(clock);
    const rule = { key: 's:{u}', limit: 1, windowMs: 60_000 };
    cache.rememberBlocks({ rules: [rule] }, [500], clock.now()); // seed 342370344: the key's own log may hold it longer
    expect(cache.check({ rules: [rule] })).toBeUndefined();
    cache.remember({ rules: [rule] }, { allowed: false, states: [{ remaining: 0, resetMs: 60_000, retryAfterMs: 60_000 }] }, clock.now());
    cache.rememberBlocks({ rules: [rule] }, [3_000], clock.now());
    clock.advance(646);
    expect(cache.check({ rules: [rule] })?.states[0].retryAfterMs).toBe(59_354);
    cache.rememberBlocks({ rules: [rule] }, [90_000], clock.now()); // a longer block extends it
    expect(cache.check({ rules: [rule] })?.states[0].retryAfterMs).toBe(90_000);
  });
});
