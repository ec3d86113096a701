import type { ThrottleRule } from '../storage/throttle-storage';
import { describeAlgorithmConformance } from './conformance-algorithms';
import { describeControlsConformance } from './conformance-controls';
import { describeRetentionConformance } from './conformance-retention';
import { ConformanceSubject, freshKey, withoutHints } from './conformance-helpers';
import { loadFastCheck } from './fast-check-loader';
import { ReferenceModel } from './reference-model';

export type { ConformanceSubject };

export interface ConformanceOptions {
  /** fast-check runs for the property tests (default 100; fewer for network stores). */
  numRuns?: number;
  /** Run the runtime controls' cases (`peek`, `refund`, `reset`, optional in the contract). Default true. */
  controls?: boolean;
}

/**
 * The storage contract as tests: every store must pass this suite unchanged. Runs under jest or
 * vitest (globals `describe`, `it`, `expect`); the property test needs the `fast-check` package.
 *
 * @example
 * describeStorageConformance('memory', async () => {
 *   const clock = new FakeClock();
 *   return { storage: new MemoryThrottleStorage({}, clock), clock };
 * });
 */
export function describeStorageConformance(
  name: string,
  create: () => Promise<ConformanceSubject>,
  options: ConformanceOptions = {},
): void {
  describe(`ThrottleStorage conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    beforeEach(async () => {
      subject = await create();
    });
    afterEach(async () => {
      await subject.close?.();
    });
    const one = (rule: ThrottleRule) => subject.storage.consume({ rules: [rule] });

    it('admits exactly limit requests in a window, counting remaining down', async () => {
      const rule = { key: freshKey('a'), limit: 3, windowMs: 60_000 };
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push(await one(rule));
      expect(seen.map((d) => d.allowed)).toEqual([true, true, true, false]);
      expect(seen.map((d) => d.states[0].remaining)).toEqual([2, 1, 0, 0]);
      expect(seen[0].states[0].resetMs).toBe(60_000);
      expect(seen[3].states[0].retryAfterMs).toBe(60_000);
    });

    it('admits again exactly when the oldest admission leaves the window, not a millisecond before', async () => {
      const rule = { key: freshKey('b'), limit: 2, windowMs: 1_000 };
      await one(rule);
      subject.clock.advance(400);
      await one(rule);
      const refused = await one(rule);
      expect(refused.allowed).toBe(false);
      expect(refused.states[0].retryAfterMs).toBe(600);
      subject.clock.advance(599);
      expect((await one(rule)).allowed).toBe(false);
      subject.clock.advance(1);
      const again = await one(rule);
      expect(again.allowed).toBe(true);
      expect(again.states[0]).toEqual({ remaining: 0, resetMs: 400, retryAfterMs: 0 });
    });

    it('does not record refused requests', async () => {
      const rule = { key: freshKey('c'), limit: 1, windowMs: 1_000 };
      await one(rule);
      for (let i = 0; i < 5; i++) {
        subject.clock.advance(100);
        expect((await one(rule)).allowed).toBe(false);
      }
      subject.clock.advance(500);
      expect((await one(rule)).allowed).toBe(true);
    });

    it('keeps keys independent', async () => {
      const a = { key: freshKey('d'), limit: 1, windowMs: 10_000 };
      const b = { key: freshKey('e'), limit: 1, windowMs: 10_000 };
      expect((await one(a)).allowed).toBe(true);
      expect((await one(a)).allowed).toBe(false);
      expect((await one(b)).allowed).toBe(true);
    });

    it('checks several rules atomically: a request any rule refuses consumes from none', async () => {
      const burst = { key: freshKey('f'), limit: 1, windowMs: 1_000 };
      const sustained = { key: freshKey('f2'), limit: 5, windowMs: 60_000 };
      const first = await subject.storage.consume({ rules: [burst, sustained] });
      expect(first.allowed).toBe(true);
      expect(first.states.map((s) => s.remaining)).toEqual([0, 4]);
      const second = await subject.storage.consume({ rules: [burst, sustained] });
      expect(second.allowed).toBe(false);
      expect(second.states[0].retryAfterMs).toBe(1_000);
      expect(second.states[1]).toMatchObject({ remaining: 4, retryAfterMs: 0 });
      subject.clock.advance(1_000);
      const third = await subject.storage.consume({ rules: [burst, sustained] });
      expect(third.allowed).toBe(true);
      expect(third.states[1].remaining).toBe(3);
    });

    it('shares one counter per key across requests that name it with other rules', async () => {
      const shared = { key: freshKey('g'), limit: 2, windowMs: 60_000 };
      const other = { key: freshKey('g2'), limit: 10, windowMs: 60_000 };
      await one(shared);
      await subject.storage.consume({ rules: [other, shared] });
      expect((await one(shared)).allowed).toBe(false);
    });

    it('agrees with the reference sliding log for any arrival sequence (property)', async () => {
      const fc = loadFastCheck();
      const arrivals = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 700 }), which: fc.integer({ min: 0, max: 2 }) }), {
        minLength: 1,
        maxLength: 40,
      });
      await fc.assert(
        fc.asyncProperty(arrivals, fc.integer({ min: 1, max: 4 }), async (steps, limit) => {
          const a = { key: freshKey('p'), limit, windowMs: 1_000 };
          const b = { key: freshKey('q'), limit: limit + 1, windowMs: 2_500 };
          const requests = [{ rules: [a] }, { rules: [b] }, { rules: [a, b] }];
          const model = new ReferenceModel();
          const admitted: number[] = [];
          for (const step of steps) {
            subject.clock.advance(step.gap);
            const now = subject.clock.now();
            const expected = model.consume(requests[step.which], now);
            const actual = await subject.storage.consume(requests[step.which]);
            expect(withoutHints(actual)).toEqual(expected);
            if (actual.allowed && step.which !== 1) admitted.push(now);
          }
          // No trailing window of rule a ever holds more than its limit.
          for (let i = 0; i < admitted.length; i++) {
            const inWindow = admitted.filter((t) => t > admitted[i] - a.windowMs && t <= admitted[i]).length;
            expect(inWindow).toBeLessThanOrEqual(limit);
          }
        }),
        { numRuns: options.numRuns ?? 100 },
      );
    });

    describeAlgorithmConformance(() => subject, options.numRuns ?? 100);
    describeRetentionConformance(() => subject, options.numRuns ?? 100);
    if (options.controls !== false) describeControlsConformance(() => subject, options.numRuns ?? 100);
  });
}
