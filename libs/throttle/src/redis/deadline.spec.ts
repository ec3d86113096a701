import { Deadline } from './deadline';

// The boot deadline shared by every master's waits (issue 24: as AbortSignal listeners, a 3-master
// cluster with 3 scripts printed MaxListenersExceededWarning at every boot).
describe('Deadline', () => {
  afterEach(() => jest.useRealTimers());

  it('100 waits on one deadline: no warning, and each wait that settles lets go of its callback', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const deadline = new Deadline(60_000);
    try {
      const waits = Array.from({ length: 100 }, (_, i) => deadline.race(Promise.resolve(i)));
      expect(deadline.pending).toBe(100);
      expect(await Promise.all(waits)).toHaveLength(100);
      expect(deadline.pending).toBe(0);
      await new Promise((resolve) => setImmediate(resolve)); // a warning is emitted on the next tick
      expect(warnings).toEqual([]);
    } finally {
      deadline.end();
      process.off('warning', onWarning);
    }
  });

  it('rejects the waits still pending when the time runs out, and says it expired', async () => {
    jest.useFakeTimers();
    const deadline = new Deadline(5_000);
    const wait = deadline.race(new Promise(() => undefined));
    jest.advanceTimersByTime(5_000);
    await expect(wait).rejects.toThrow('not ready in time');
    expect(deadline.expired).toBe(true);
    expect(deadline.pending).toBe(0);
  });

  it('end() releases pending waits without expiring, and later waits fail at once', async () => {
    const deadline = new Deadline(60_000);
    const wait = deadline.race(new Promise(() => undefined));
    deadline.end();
    await expect(wait).rejects.toThrow('not ready in time');
    expect(deadline.expired).toBe(false);
    let called = false;
    deadline.whenOver(() => (called = true));
    expect(called).toBe(true);
  });
});
