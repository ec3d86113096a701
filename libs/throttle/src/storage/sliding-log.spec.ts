import { SlidingLog } from './sliding-log';

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
