import { normalizeOptions } from '../options/normalize-options';
import { MemoryThrottleStorage } from '../storage/memory/memory.storage';
import type { ThrottleRule } from '../storage/throttle-storage';
import { FakeClock } from '../testing/fake-clock';
import { ReferenceModel } from '../testing/reference-model';

const rule: ThrottleRule = { key: 'login:{a}:fw', limit: 3, windowMs: 10_000, algorithm: 'fixed-window' };

describe('fixed-window (through the algorithm seam)', () => {
  let clock: FakeClock;
  let storage: MemoryThrottleStorage;
  let model: ReferenceModel;
  /** Decides on the memory store and the reference model, and checks they agree. */
  const consume = async (r: ThrottleRule = rule) => {
    const decision = await storage.consume({ rules: [r] });
    expect(decision).toEqual(model.consume({ rules: [r] }, clock.now()));
    return decision;
  };

  beforeEach(() => {
    clock = new FakeClock();
    storage = new MemoryThrottleStorage({}, clock);
    model = new ReferenceModel();
  });

  it('admits limit per window opened by the first admission; reset is the window end; the count restarts after it', async () => {
    clock.advance(1_234); // not on a clock boundary: the window starts at the first request
    expect((await consume()).states[0]).toEqual({ remaining: 2, resetMs: 10_000, retryAfterMs: 0 });
    clock.advance(4_000);
    await consume();
    expect((await consume()).states[0]).toEqual({ remaining: 0, resetMs: 6_000, retryAfterMs: 0 });
    clock.advance(1_000);
    expect(await consume()).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 5_000, retryAfterMs: 5_000 }] });
    clock.advance(4_999);
    expect((await consume()).allowed).toBe(false);
    clock.advance(1);
    expect((await consume()).states[0]).toEqual({ remaining: 2, resetMs: 10_000, retryAfterMs: 0 });
  });

  it('lets through up to twice the limit around a window end (what a sliding log never allows)', async () => {
    clock.advance(9_999);
    for (let i = 0; i < 3; i++) expect((await consume()).allowed).toBe(true);
    clock.advance(10_001);
    for (let i = 0; i < 3; i++) expect((await consume()).allowed).toBe(true);
    expect((await consume()).allowed).toBe(false);
  });

  it('refunds exactly, never below zero, and only inside the current window', async () => {
    await consume({ ...rule, cost: 2 });
    expect(await storage.refund({ rules: [{ ...rule, cost: 5 }] })).toEqual([2]);
    expect(model.refund({ rules: [{ ...rule, cost: 5 }] }, clock.now())).toEqual([2]);
    expect((await consume()).states[0]).toEqual({ remaining: 2, resetMs: 10_000, retryAfterMs: 0 }); // same window
    clock.advance(10_000);
    expect(await storage.refund({ rules: [rule] })).toEqual([0]);
    expect(model.refund({ rules: [rule] }, clock.now())).toEqual([0]);
  });

  it('refuses a request no window could hold whole, and decides atomically beside another algorithm', async () => {
    const log: ThrottleRule = { key: 'login:{a}', limit: 1, windowMs: 60_000 };
    await consume(log);
    const both = await storage.consume({ rules: [rule, log] });
    expect(both).toEqual(model.consume({ rules: [rule, log] }, clock.now()));
    expect(both.allowed).toBe(false);
    expect((await consume()).states[0].remaining).toBe(2); // the refused request counted nowhere
  });

  it('is a scope option with its own keys; burst and blockFor are refused at boot', () => {
    const { scopes, problems } = normalizeOptions({ scopes: { login: { rate: '5/15m', algorithm: 'fixed-window' } } } as never);
    expect(problems).toEqual([]);
    expect(scopes.get('login')).toMatchObject({ algorithm: 'fixed-window', burst: undefined, maxCost: 5, keyEnd: '}:fw' });
    const problemsOf = (extra: object) =>
      normalizeOptions({ scopes: { login: { rate: '5/15m', algorithm: 'fixed-window', ...extra } } } as never).problems;
    expect(problemsOf({ burst: 2 })).toEqual(['scope "login" burst applies to algorithm gcra only (add algorithm: gcra)']);
    expect(problemsOf({ blockFor: '1h' })).toEqual([
      'scope "login": blockFor needs algorithm "sliding-log" (a fixed-window key holds no block)',
    ]);
  });
});
