import * as fc from 'fast-check';
import { normalizeOptions } from '../options/normalize-options';
import { MemoryThrottleStorage } from '../storage/memory/memory.storage';
import { FakeClock } from '../testing/fake-clock';
import { policyOf, RoutePlan } from './route-plans';
import { ThrottleDecider } from './decider';

// Issue 17 #1 as a property of the decision sequence: whatever tier header a client sends, in any
// order and at any time, no window of the scope's rate and no window of a tier's rate (over the
// requests that sent it) admits more than that rate allows, on a sliding log and on GCRA.
const HEADERS = [undefined, 'trial', 'slow', 'gold'] as const;

function deciderFor(algorithm: 'sliding-log' | 'gcra') {
  const clock = new FakeClock();
  const config = normalizeOptions({
    scopes: { api: { rate: '6/10s', algorithm, tier: 'header:x-plan', tiers: { trial: '1/2s', slow: '3/20s' } } },
  });
  expect(config.problems).toEqual([]);
  const scopes = [config.scopes.get('api')!];
  const plan: RoutePlan = { scopes, policy: policyOf(scopes), fastLane: true, plain: true, cost: undefined };
  const decider = new ThrottleDecider(new MemoryThrottleStorage({}, clock), config);
  return {
    clock,
    admits: (plan_: string | undefined) =>
      decider.decide(plan, { ip: '10.0.0.1', headers: plan_ ? { 'x-plan': plan_ } : {} }, undefined, undefined) === undefined,
  };
}

/** At most `limit` of `times` in any window of `windowMs` (sliding log), or `burst + floor(span / T)` in any span (GCRA). */
function withinRate(times: number[], limit: number, windowMs: number, gcra: boolean): boolean {
  for (let i = 0; i < times.length; i++) {
    for (let j = i; j < times.length; j++) {
      const n = j - i + 1;
      const span = times[j] - times[i];
      if (gcra ? n > limit + Math.floor((span * limit) / windowMs) : span < windowMs && n > limit) return false;
    }
  }
  return true;
}

describe('issue 17 #1: a client-chosen tier never raises what a client gets (property)', () => {
  it.each(['sliding-log', 'gcra'] as const)('%s: every window of the base rate and of each tier rate holds', (algorithm) => {
    const gap = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3_000 })); // bursts, and gaps across every window
    const header = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, fc.constantFrom(...HEADERS)); // mostly the base rate
    const step = fc.record({ gap, header });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const { clock, admits } = deciderFor(algorithm);
        const admitted: { at: number; header: string | undefined }[] = [];
        for (const { gap, header } of steps) {
          clock.advance(gap);
          if (admits(header)) admitted.push({ at: clock.now(), header });
        }
        const gcra = algorithm === 'gcra';
        const at = (h?: string) => admitted.filter((a) => h === undefined || a.header === h).map((a) => a.at);
        expect(withinRate(at(), 6, 10_000, gcra)).toBe(true);
        expect(withinRate(at('trial'), 1, 2_000, gcra)).toBe(true);
        expect(withinRate(at('slow'), 3, 20_000, gcra)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
