import { levelOf, LoadShedder } from './load-shedder';

describe('load shedding levels', () => {
  const both = { eventLoopUtilization: 0.8, eventLoopDelayMs: 50, sampleMs: 100 };

  it.each([
    [0.79, 0, 0],
    [0.8, 0, 1],
    [0.9, 0, 2],
    [0.95, 0, 3],
    [0, 49, 0],
    [0, 50, 1],
    [0, 100, 2],
    [0, 200, 3],
    [0.85, 120, 2],
  ])('utilization %d, delay %d ms: level %d', (eventLoopUtilization, eventLoopDelayMs, level) => {
    expect(levelOf({ eventLoopUtilization, eventLoopDelayMs }, both)).toBe(level);
  });

  it('a threshold not set never raises the level', () => {
    expect(levelOf({ eventLoopUtilization: 1, eventLoopDelayMs: 0 }, { eventLoopDelayMs: 50, sampleMs: 100 })).toBe(0);
  });

  it('sheds by priority at each level, critical never', () => {
    let pressure = { eventLoopUtilization: 1, eventLoopDelayMs: 0 };
    const shedder = new LoadShedder(both, { pressure: () => pressure });
    expect(['critical', 'high', 'normal', 'low'].map((p) => shedder.check(p as never)?.priority)).toEqual([
      undefined,
      'high',
      'normal',
      'low',
    ]);
    pressure = { eventLoopUtilization: 0.8, eventLoopDelayMs: 0 };
    expect(['critical', 'high', 'normal', 'low'].map((p) => shedder.check(p as never)?.priority)).toEqual([
      undefined,
      undefined,
      undefined,
      'low',
    ]);
  });
});
