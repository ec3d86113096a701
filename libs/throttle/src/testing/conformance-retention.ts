import type { ThrottleRule } from '../storage/throttle-storage';
import { ConformanceSubject, freshKey, loadFastCheck, withoutHints } from './conformance-helpers';
import { ReferenceModel } from './reference-model';

/**
 * The conformance cases of `retainMs`: one sliding-log key decided under rates of different windows
 * (a user the server moves between tiers) keeps its admissions for the longest, and each rule counts
 * its own window.
 */
export function describeRetentionConformance(subjectOf: () => ConformanceSubject, numRuns: number): void {
  const consume = (...rules: ThrottleRule[]) => subjectOf().storage.consume({ rules });
  const advance = (ms: number) => subjectOf().clock.advance(ms);

  it('issue 17 #1: a rule with a shorter window does not wipe what the key retains for a longer one', async () => {
    const key = freshKey('retain-a');
    const hourly: ThrottleRule = { key, limit: 3, windowMs: 3_600_000, retainMs: 3_600_000 };
    const minutely: ThrottleRule = { key, limit: 1, windowMs: 60_000, retainMs: 3_600_000 };
    expect((await consume(hourly)).allowed).toBe(true);
    expect((await consume(hourly)).allowed).toBe(true);
    advance(120_000);
    const short = await consume(minutely); // its minute is empty: admitted, and logged in the key
    expect(short.states[0]).toEqual({ remaining: 0, resetMs: 60_000, retryAfterMs: 0 });
    advance(60_000);
    expect((await consume(minutely)).allowed).toBe(true); // the 2 older admissions are kept, not counted
    const refused = withoutHints(await consume(hourly)); // 4 in the hour now: the first 2 must leave
    expect(refused).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 3_420_000, retryAfterMs: 3_420_000 }] });
    advance(3_420_000);
    expect((await consume(hourly)).allowed).toBe(true);
  });

  it('agrees with the reference model when rules of different windows share a retained key (property)', async () => {
    const fc = loadFastCheck();
    const step = fc.record({
      gap: fc.integer({ min: 0, max: 900 }),
      rate: fc.integer({ min: 0, max: 2 }),
      cost: fc.integer({ min: 1, max: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const key = freshKey('retain-p');
        const other = freshKey('retain-q');
        const rates: ThrottleRule[] = [
          { key, limit: 4, windowMs: 3_000, retainMs: 3_000 },
          { key, limit: 2, windowMs: 1_000, retainMs: 3_000 },
          { key, limit: 6, windowMs: 2_000, retainMs: 3_000 },
        ];
        const model = new ReferenceModel();
        for (const { gap, rate, cost } of steps) {
          advance(gap);
          const rules = [
            { ...rates[rate], cost },
            { key: other, limit: 5, windowMs: 1_000, cost },
          ];
          const expected = model.consume({ rules }, subjectOf().clock.now());
          expect(withoutHints(await subjectOf().storage.consume({ rules }))).toEqual(expected);
        }
      }),
      { numRuns },
    );
  });
}
