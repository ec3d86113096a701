import type { ThrottleRule } from '../storage/throttle-storage';
import { ConformanceSubject, freshKey, withoutHints } from './conformance-helpers';
import { loadFastCheck } from './fast-check-loader';
import { ReferenceModel } from './reference-model';

/**
 * The conformance cases of the runtime controls (`peek`, `refund`, `reset`: what `ThrottleService`
 * calls), for stores that implement them; each store must agree with {@link ReferenceModel}.
 */
export function describeControlsConformance(subjectOf: () => ConformanceSubject, numRuns: number): void {
  const store = () => subjectOf().storage;
  const consume = (rule: ThrottleRule) => store().consume({ rules: [rule] });
  const peek = (rule: ThrottleRule) => store().peek!({ rules: [rule] });
  const refund = (rule: ThrottleRule) => store().refund!({ rules: [rule] });
  const advance = (ms: number) => subjectOf().clock.advance(ms);

  it('peek says what consume would give and records nothing', async () => {
    const rule = { key: freshKey('peek'), limit: 2, windowMs: 1_000 };
    expect(await peek(rule)).toEqual({ allowed: true, states: [{ remaining: 1, resetMs: 1_000, retryAfterMs: 0 }] });
    await consume(rule);
    advance(300);
    const seen = await peek(rule);
    expect(seen).toEqual({ allowed: true, states: [{ remaining: 0, resetMs: 700, retryAfterMs: 0 }] });
    expect(await consume(rule)).toEqual(seen);
    expect(withoutHints(await peek(rule))).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 700, retryAfterMs: 700 }] });
  });

  it('sliding log: refund takes back the newest admission, never below zero', async () => {
    const rule = { key: freshKey('refund'), limit: 2, windowMs: 1_000 };
    await consume(rule);
    advance(400);
    await consume(rule);
    expect(await refund(rule)).toEqual([1]); // the admission at 400 goes, the one at 0 stays
    const again = await consume(rule);
    expect(again.states[0]).toEqual({ remaining: 0, resetMs: 600, retryAfterMs: 0 });
    expect(await refund({ ...rule, cost: 5 })).toEqual([2]);
    expect(await refund(rule)).toEqual([0]);
    const flood = [];
    for (let i = 0; i < 3; i++) flood.push((await consume(rule)).allowed);
    expect(flood).toEqual([true, true, false]); // nothing went below zero
  });

  it('GCRA: refund moves tat back by cost * T but never below now', async () => {
    const rule: ThrottleRule = { key: freshKey('gcra-refund'), limit: 10, windowMs: 1_000, algorithm: 'gcra', burst: 2 };
    expect(await refund(rule)).toEqual([0]); // an idle bucket holds no more than burst
    for (let i = 0; i < 2; i++) await consume(rule);
    expect((await consume(rule)).allowed).toBe(false);
    expect(await refund(rule)).toEqual([1]);
    expect((await consume(rule)).allowed).toBe(true);
    expect((await consume(rule)).allowed).toBe(false);
    advance(150); // half of the debt of the second unit has drained
    expect(await refund({ ...rule, cost: 2 })).toEqual([1]); // 50 ms of debt left: one unit, rounded up
    const flood = [];
    for (let i = 0; i < 3; i++) flood.push((await consume(rule)).allowed);
    expect(flood).toEqual([true, true, false]); // back to an idle bucket, not beyond
  });

  it('reset forgets the keys of one identity (one hash tag), of either algorithm', async () => {
    const a = { key: freshKey('reset'), limit: 1, windowMs: 60_000 };
    const b: ThrottleRule = { key: `${a.key}:gcra`, limit: 1, windowMs: 60_000, algorithm: 'gcra' };
    await consume(a);
    await consume(b);
    await store().reset!([a.key, b.key]);
    expect((await consume(a)).allowed).toBe(true);
    expect((await consume(b)).allowed).toBe(true);
  });

  it('block holds a key full until it ends whatever its window says; an active block is not extended; reset lifts it', async () => {
    const rule = { key: freshKey('block'), limit: 2, windowMs: 1_000 };
    const block = (ms: number) => store().block!({ rules: [rule] }, ms);
    await consume(rule);
    expect(await block(5_000)).toEqual([5_000]);
    expect(withoutHints(await consume(rule))).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 1_000, retryAfterMs: 5_000 }] });
    advance(3_000);
    expect(await block(5_000)).toEqual([2_000]);
    expect((await consume(rule)).states[0].retryAfterMs).toBe(2_000);
    advance(1_999);
    expect((await consume(rule)).allowed).toBe(false);
    advance(1);
    expect((await consume(rule)).states[0]).toEqual({ remaining: 1, resetMs: 1_000, retryAfterMs: 0 });
    expect(await block(60_000)).toEqual([60_000]); // a new block once the last one is over
    await store().reset!([rule.key]);
    expect((await consume(rule)).allowed).toBe(true);
  });

  it('a refund never lifts a block: it takes back real admissions only, the block holds until its end', async () => {
    const rule = { key: freshKey('block-refund'), limit: 2, windowMs: 1_000 };
    await consume(rule);
    expect(await store().block!({ rules: [rule] }, 5_000)).toEqual([5_000]);
    advance(500);
    expect(await refund({ ...rule, cost: 2 })).toEqual([1]); // the admission at 0, not the block's units
    expect(await refund(rule)).toEqual([0]);
    expect(withoutHints(await consume(rule)).states[0].retryAfterMs).toBe(4_500);
    expect(await store().block!({ rules: [rule] }, 60_000)).toEqual([4_500]); // still the same block
    advance(4_500);
    expect((await consume(rule)).allowed).toBe(true);
  });

  it('a block shorter than the window ends on time, and the window still counts the real admissions', async () => {
    const rule = { key: freshKey('block-short'), limit: 3, windowMs: 10_000 };
    const model = new ReferenceModel();
    const both = async (call: 'consume' | 'block') => {
      const now = subjectOf().clock.now();
      if (call === 'block')
        return expect(await store().block!({ rules: [rule] }, 2_000)).toEqual(model.block({ rules: [rule] }, 2_000, now));
      expect(withoutHints(await consume(rule))).toEqual(model.consume({ rules: [rule] }, now));
    };
    await both('consume');
    advance(1_000);
    await both('block');
    for (const gap of [0, 1_999, 1, 0, 500, 8_000, 0]) {
      advance(gap);
      await both('consume');
    }
  });

  it('agrees with the reference model under any mix of consume, peek, refund, reset and block (property)', async () => {
    const fc = loadFastCheck();
    const op = fc.record({
      gap: fc.integer({ min: 0, max: 400 }),
      kind: fc.constantFrom('consume', 'consume', 'peek', 'refund', 'reset', 'block'),
      gcra: fc.boolean(),
      cost: fc.integer({ min: 1, max: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const rules: Record<string, ThrottleRule> = {
          log: { key: freshKey('pl'), limit: 3, windowMs: 1_000 },
          gcra: { key: freshKey('pg'), limit: 4, windowMs: 1_000, algorithm: 'gcra', burst: 3 },
        };
        const model = new ReferenceModel();
        for (const step of ops) {
          advance(step.gap);
          const now = subjectOf().clock.now();
          const request = { rules: [{ ...rules[step.gcra ? 'gcra' : 'log'], cost: step.cost }] };
          if (step.kind === 'block') {
            const log = { rules: [{ ...rules.log }] }; // a sliding log only (a GCRA key holds no block)
            expect(await store().block!(log, 5 + step.gap * 5)).toEqual(model.block(log, 5 + step.gap * 5, now));
          } else if (step.kind === 'reset') {
            model.reset([request.rules[0].key]);
            await store().reset!([request.rules[0].key]);
          } else if (step.kind === 'refund') {
            expect(await store().refund!(request)).toEqual(model.refund(request, now));
          } else {
            const actual = step.kind === 'peek' ? await store().peek!(request) : await store().consume(request);
            expect(withoutHints(actual)).toEqual(step.kind === 'peek' ? model.peek(request, now) : model.consume(request, now));
          }
        }
      }),
      { numRuns },
    );
  });
}
