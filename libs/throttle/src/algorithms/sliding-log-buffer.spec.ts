import { SlidingLog } from './sliding-log-buffer';

describe('SlidingLog.isLive', () => {
  it('is true while the newest admission is inside the window, across the ring wrapping around', () => {
    const log = new SlidingLog(2, 1_000);
    expect(log.isLive(0)).toBe(false);
    log.push(0, 1, 2, 1_000);
    log.push(500, 1, 2, 1_000);
    expect(log.prune(1_000, 1_000)).toBe(1); // drops 0; the ring's head moves to slot 1
    log.push(1_200, 1, 2, 1_000); // written to slot 0: the newest entry is now before the head
    expect(log.isLive(2_199)).toBe(true);
    expect(log.isLive(2_200)).toBe(false);
  });
});

describe('SlidingLog retaining more than its limit (retainMs)', () => {
  it('counts its own window by binary search, and grows by doubling, not one entry at a time', () => {
    const log = new SlidingLog(2, 10_000);
    const sizes = new Set<number>();
    for (let t = 1; t <= 1_000; t++) {
      log.push(t, 1, 2, 10_000); // a limit of 2 per window, 1,000 entries retained
      sizes.add(log.byteLength);
    }
    expect(log.prune(1_000, 10_000)).toBe(1_000);
    expect(log.countSince(1_000, 100)).toBe(100); // entries 901..1000
    expect(log.countSince(1_000, 0)).toBe(0);
    expect(sizes.size).toBeLessThanOrEqual(11); // 2, 4, 8, ..., 1024: about log2(1000) reallocations
  });
});
