import type { ThrottleRule } from '../storage/throttle-storage';
import { ConformanceSubject, freshKey, withoutHints } from './conformance-helpers';
import { loadFastCheck } from './fast-check-loader';
import { ReferenceModel } from './reference-model';

/** The conformance cases of GCRA, request cost and limits that change per request (tiers). */
export function describeAlgorithmConformance(subjectOf: () => ConformanceSubject, numRuns: number): void {
  const consume = (...rules: ThrottleRule[]) => subjectOf().storage.consume({ rules });
  const advance = (ms: number) => subjectOf().clock.advance(ms);
  const gcra = (label: string, extra: Partial<ThrottleRule> = {}): ThrottleRule => ({
    key: freshKey(label),
    limit: 10,
    windowMs: 1_000,
    algorithm: 'gcra',
    burst: 3,
    ...extra,
  });

  it('GCRA: a flood admits exactly burst, then one per interval, each at the very instant it is due', async () => {
    const rule = gcra('gcra-a'); // 10/s: one per 100 ms, 3 at once
    const flood = [];
    for (let i = 0; i < 20; i++) flood.push(await consume(rule));
    expect(flood.filter((d) => d.allowed)).toHaveLength(3);
    expect(flood.slice(0, 4).map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(flood.slice(0, 3).map((d) => d.states[0])).toEqual([
      { remaining: 2, resetMs: 100, retryAfterMs: 0 },
      { remaining: 1, resetMs: 100, retryAfterMs: 0 },
      { remaining: 0, resetMs: 100, retryAfterMs: 0 },
    ]);
    expect(withoutHints(flood[3]).states[0]).toEqual({ remaining: 0, resetMs: 100, retryAfterMs: 100 });
    advance(99);
    expect((await consume(rule)).allowed).toBe(false);
    advance(1);
    expect((await consume(rule)).allowed).toBe(true);
    expect((await consume(rule)).allowed).toBe(false);
    advance(200); // k intervals later, k more
    const next = [await consume(rule), await consume(rule), await consume(rule)];
    expect(next.map((d) => d.allowed)).toEqual([true, true, false]);
  });

  it('GCRA: burst defaults to the limit, and an idle bucket refills to it and no further', async () => {
    const rule = gcra('gcra-b', { limit: 4, burst: undefined });
    for (let i = 0; i < 4; i++) expect((await consume(rule)).allowed).toBe(true);
    expect((await consume(rule)).allowed).toBe(false);
    advance(60_000);
    const fresh = await consume(rule);
    expect(fresh.states[0]).toEqual({ remaining: 3, resetMs: 250, retryAfterMs: 0 });
    for (let i = 0; i < 3; i++) expect((await consume(rule)).allowed).toBe(true);
    expect((await consume(rule)).allowed).toBe(false);
  });

  it('cost: a request consumes its cost from the sliding log, and a refusal says when that much is free', async () => {
    const rule = { key: freshKey('cost-a'), limit: 10, windowMs: 1_000 };
    const costly = { ...rule, cost: 4 };
    expect((await consume(costly)).states[0]).toEqual({ remaining: 6, resetMs: 1_000, retryAfterMs: 0 });
    advance(100);
    expect((await consume(costly)).states[0].remaining).toBe(2);
    advance(100);
    const refused = withoutHints(await consume(costly));
    expect(refused).toEqual({ allowed: false, states: [{ remaining: 2, resetMs: 800, retryAfterMs: 800 }] });
    expect((await consume({ ...rule, cost: 2 })).allowed).toBe(true);
  });

  it('cost: a GCRA request needs its cost in the bucket', async () => {
    const rule = gcra('cost-b', { burst: 5, cost: 3 });
    expect((await consume(rule)).states[0]).toEqual({ remaining: 2, resetMs: 100, retryAfterMs: 0 });
    const refused = withoutHints(await consume(rule));
    expect(refused.states[0]).toEqual({ remaining: 2, resetMs: 100, retryAfterMs: 100 });
    advance(100);
    expect((await consume(rule)).allowed).toBe(true);
  });

  it('mixes algorithms and costs atomically: a refusal by one rule records nothing under the others', async () => {
    const log = { key: freshKey('mix-a'), limit: 5, windowMs: 60_000, cost: 2 };
    const bucket = gcra('mix-b', { burst: 1 });
    expect((await consume(log, bucket)).allowed).toBe(true);
    const refused = await consume(log, bucket);
    expect(refused.allowed).toBe(false);
    expect(refused.states[0]).toMatchObject({ remaining: 3, retryAfterMs: 0 });
    advance(100);
    const again = await consume(log, bucket);
    expect(again.allowed).toBe(true);
    expect(again.states[0].remaining).toBe(1);
  });

  it('a key decided under a new limit (a client changing tier) keeps its admissions', async () => {
    const free = { key: freshKey('tier-a'), limit: 2, windowMs: 1_000 };
    const pro = { ...free, limit: 5 };
    await consume(free);
    await consume(free);
    expect((await consume(free)).allowed).toBe(false);
    for (let i = 0; i < 3; i++) expect((await consume(pro)).allowed).toBe(true);
    expect((await consume(pro)).allowed).toBe(false);
    advance(10);
    const down = withoutHints(await consume(free)); // 5 logged at 0 ms, limit 2: 4 must leave
    expect(down).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 990, retryAfterMs: 990 }] });
  });

  it('agrees with the reference model for any arrivals, algorithms, costs and limit changes (property)', async () => {
    const fc = loadFastCheck();
    const step = fc.record({
      gap: fc.integer({ min: 0, max: 400 }),
      which: fc.integer({ min: 0, max: 3 }),
      cost: fc.integer({ min: 1, max: 3 }),
      tier: fc.integer({ min: 0, max: 1 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), fc.integer({ min: 3, max: 6 }), async (steps, limit) => {
        const log = { key: freshKey('pl'), windowMs: 1_000 };
        const bucket = { key: freshKey('pg'), windowMs: 700, algorithm: 'gcra' as const };
        const model = new ReferenceModel();
        for (const { gap, which, cost, tier } of steps) {
          advance(gap);
          const limits = [limit, limit * 2][tier];
          const a: ThrottleRule = { ...log, limit: limits, cost };
          const b: ThrottleRule = { ...bucket, limit: limits, burst: limit, cost };
          const rules = [[a], [b], [a, b], [b, a]][which];
          const expected = model.consume({ rules }, subjectOf().clock.now());
          expect(withoutHints(await subjectOf().storage.consume({ rules }))).toEqual(expected);
        }
      }),
      { numRuns },
    );
  });
}
