import fc from 'fast-check';
import { lowerBound, maxCertainlyInWindow, maxInWindow, percentile, summarizeLatency } from '../../apps/loadtest/src/stats';

describe('percentile (nearest rank)', () => {
  it('picks the smallest value with at least p% at or below it', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 90)).toBe(90);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('matches its definition on random data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        (raw, p) => {
          const sorted = [...raw].sort((a, b) => a - b);
          const v = percentile(sorted, p);
          expect(sorted.filter((x) => x <= v).length / sorted.length).toBeGreaterThanOrEqual(p / 100);
          expect(sorted.filter((x) => x < v).length / sorted.length).toBeLessThan(p / 100);
        },
      ),
    );
  });
});

describe('summarizeLatency', () => {
  it('sorts and summarises', () => {
    expect(summarizeLatency(Float64Array.from([5, 1, 3, 2, 4]))).toEqual({ count: 5, p50: 3, p90: 5, p99: 5, max: 5 });
    expect(summarizeLatency(new Float64Array(0))).toBeNull();
  });
});

/** Brute force: the most events in any half-open window (t - w, t], for any real t. */
function bruteMaxInWindow(times: number[], w: number): number {
  // An optimal window can always end at an event time.
  return Math.max(0, ...times.map((t) => times.filter((x) => x > t - w && x <= t).length));
}

/** Brute force over every subset: the largest set with max(end) - min(start) < w. */
function bruteMaxCertain(events: Array<[number, number]>, w: number): number {
  let best = 0;
  for (let mask = 1; mask < 1 << events.length; mask++) {
    const chosen = events.filter((_, k) => (mask >> k) & 1);
    const spread = Math.max(...chosen.map((e) => e[1])) - Math.min(...chosen.map((e) => e[0]));
    if (spread < w) best = Math.max(best, chosen.length);
  }
  return best;
}

describe('maxInWindow (trailing window, receive times)', () => {
  it('treats events exactly one window apart as in different windows (sliding-log rule)', () => {
    expect(maxInWindow([0, 1_000, 2_000], 1_000)).toBe(1);
    expect(maxInWindow([0, 999, 1_998], 1_000)).toBe(2);
    expect(maxInWindow([5, 5, 5], 1)).toBe(3);
    expect(maxInWindow([], 1_000)).toBe(0);
  });

  it('the DRF article case: 10 admissions in the first second of a 1/s limit', () => {
    expect(
      maxInWindow(
        Array.from({ length: 10 }, (_, i) => i * 100),
        1_000,
      ),
    ).toBe(10);
  });

  it('equals a brute-force count (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 80 }), fc.integer({ min: 1, max: 2_000 }), (raw, w) => {
        const times = [...raw].sort((a, b) => a - b);
        expect(maxInWindow(Float64Array.from(times), w)).toBe(bruteMaxInWindow(times, w));
      }),
      { numRuns: 500 },
    );
  });
});

describe('maxCertainlyInWindow (send..receive intervals)', () => {
  const events = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 1_500 })), { maxLength: 10 })
    .map((pairs) => pairs.map(([s, latency]): [number, number] => [s, s + latency]).sort((a, b) => a[0] - b[0]));

  it('does not count a pair whose jitter only might put them in one window', () => {
    // Admitted by the server 1000 ms apart; the first response was slow to arrive.
    const starts = Float64Array.from([0, 1_000]);
    const ends = Float64Array.from([3, 1_001]);
    expect(maxInWindow(Float64Array.from([3, 1_001]), 1_000)).toBe(2);
    expect(maxCertainlyInWindow(starts, ends, 1_000)).toBe(1);
  });

  it('counts a burst that certainly fits', () => {
    const starts = Float64Array.from([0, 100, 200, 300]);
    expect(
      maxCertainlyInWindow(
        starts,
        starts.map((s) => s + 1),
        1_000,
      ),
    ).toBe(4);
    expect(maxCertainlyInWindow(new Float64Array(0), new Float64Array(0), 1_000)).toBe(0);
  });

  it('equals a brute force over every subset (property)', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 1, max: 2_000 }), (evs, w) => {
        const got = maxCertainlyInWindow(Float64Array.from(evs.map((e) => e[0])), Float64Array.from(evs.map((e) => e[1])), w);
        expect(got).toBe(bruteMaxCertain(evs, w));
      }),
      { numRuns: 500 },
    );
  });

  it('equals the trailing-window count when sends and receipts coincide, and never exceeds it otherwise (property)', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 1, max: 2_000 }), (evs, w) => {
        const starts = Float64Array.from(evs.map((e) => e[0]));
        const ends = Float64Array.from(evs.map((e) => e[1]));
        expect(maxCertainlyInWindow(starts, starts, w)).toBe(maxInWindow(starts, w));
        expect(maxCertainlyInWindow(starts, ends, w)).toBeLessThanOrEqual(maxInWindow(ends.slice().sort(), w));
      }),
      { numRuns: 300 },
    );
  });
});

describe('lowerBound', () => {
  it('finds the first index >= value', () => {
    expect(lowerBound([1, 2, 2, 4], 2)).toBe(1);
    expect(lowerBound([1, 2, 2, 4], 3)).toBe(3);
    expect(lowerBound([1, 2, 2, 4], 9)).toBe(4);
    expect(lowerBound([], 1)).toBe(0);
  });
});
