import fc from 'fast-check';
import { DEADLINE_MARGIN_MS, dueCount, hardDeadlineMs, sendOffsetMs, targetIndex } from '../../apps/loadtest/src/schedule';

describe('sendOffsetMs', () => {
  it('spreads -n 100 -d 10 evenly: one request every 100 ms, the first at 0', () => {
    const offsets = Array.from({ length: 100 }, (_, i) => sendOffsetMs(i, 100, 10_000));
    expect(offsets.slice(0, 3)).toEqual([0, 100, 200]);
    expect(offsets[99]).toBe(9_900);
  });

  it('-n 10 -d 0.5: every 50 ms', () => {
    expect(Array.from({ length: 10 }, (_, i) => sendOffsetMs(i, 10, 500))).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450]);
  });

  it('is a pure, increasing function that stays within [0, d)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 0.001, max: 86_400_000, noNaN: true }), fc.nat(), (n, d, k) => {
        const i = k % n;
        const at = sendOffsetMs(i, n, d);
        expect(at).toBe(sendOffsetMs(i, n, d));
        expect(at).toBeGreaterThanOrEqual(0);
        expect(at).toBeLessThan(d);
        if (i + 1 < n) expect(sendOffsetMs(i + 1, n, d)).toBeGreaterThanOrEqual(at);
      }),
    );
  });
});

describe('dueCount', () => {
  it('counts the requests due by a time', () => {
    expect(dueCount(-1, 10, 500)).toBe(0);
    expect(dueCount(0, 10, 500)).toBe(1);
    expect(dueCount(49.9, 10, 500)).toBe(1);
    expect(dueCount(50, 10, 500)).toBe(2);
    expect(dueCount(450, 10, 500)).toBe(10);
    expect(dueCount(1e9, 10, 500)).toBe(10);
    expect(dueCount(NaN, 10, 500)).toBe(0);
  });

  it('agrees exactly with sendOffsetMs (brute force)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.double({ min: 0.001, max: 100_000, noNaN: true }),
        fc.double({ min: -10, max: 120_000, noNaN: true }),
        (n, d, elapsed) => {
          let brute = 0;
          for (let i = 0; i < n; i++) if (sendOffsetMs(i, n, d) <= elapsed) brute++;
          expect(dueCount(elapsed, n, d)).toBe(brute);
        },
      ),
    );
  });

  it('makes request i due exactly at its offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 0.001, max: 86_400_000, noNaN: true }), fc.nat(), (n, d, k) => {
        const i = k % n;
        expect(dueCount(sendOffsetMs(i, n, d), n, d)).toBeGreaterThanOrEqual(i + 1);
      }),
    );
  });
});

describe('targetIndex', () => {
  it('goes round-robin', () => {
    expect(Array.from({ length: 7 }, (_, i) => targetIndex(i, 3))).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });
});

describe('hardDeadlineMs', () => {
  const base = { requests: 100, concurrency: 10, timeoutMs: 5_000, flood: false };
  it('is duration + timeout + margin when there is a duration', () => {
    expect(hardDeadlineMs({ ...base, durationMs: 10_000 })).toBe(15_000 + DEADLINE_MARGIN_MS);
    expect(hardDeadlineMs({ ...base, flood: true, durationMs: 2_000 })).toBe(7_000 + DEADLINE_MARGIN_MS);
  });
  it('is the worst case ceil(n/c) * timeout + margin for a flood with no duration', () => {
    expect(hardDeadlineMs({ ...base, flood: true, durationMs: undefined, requests: 101 })).toBe(11 * 5_000 + DEADLINE_MARGIN_MS);
  });
});
