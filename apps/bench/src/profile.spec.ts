import { CpuProfile, shortUrl, topSelfTime } from './profile';

const DIR = '/tmp/skeleton-app';

/** A profile of three functions; samples every 100 µs from t = 1 000 µs. */
function profile(samples: number[]): CpuProfile {
  const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber });
  return {
    startTime: 1_000,
    nodes: [
      { id: 1, callFrame: frame('(idle)') },
      { id: 2, callFrame: frame('decide', `file://${DIR}/node_modules/nest-scoped-throttle/dist/esm/guard.js`, 9) },
      { id: 3, callFrame: frame('', `file://${DIR}/dist/main.js`, 0) },
      { id: 4, callFrame: frame('(garbage collector)') },
    ],
    samples,
    timeDeltas: samples.map(() => 100),
  };
}

describe('bench profiles', () => {
  it('shortens urls to the package path, or skeleton/ for the app itself', () => {
    expect(shortUrl(`file://${DIR}/node_modules/@nestjs/core/router/a.js`, DIR)).toBe('@nestjs/core/router/a.js');
    expect(shortUrl(`file://${DIR}/dist/main.js`, DIR)).toBe('skeleton/dist/main.js');
    expect(shortUrl('node:internal/timers', DIR)).toBe('node:internal/timers');
  });

  it('sums self time by function name and url:line, largest first, idle apart', () => {
    // samples at 1 100 .. 2 000 µs; each counts the time until the next one (the last counts none)
    const { top, idlePercent, windowed } = topSelfTime(profile([1, 2, 2, 2, 3, 4, 2, 1, 1, 1]), DIR, 15);
    expect(windowed).toBe(false);
    expect(idlePercent).toBeCloseTo((100 * 3) / 9);
    expect(top.map((f) => f.name)).toEqual([
      'decide nest-scoped-throttle/dist/esm/guard.js:10',
      '(anonymous) skeleton/dist/main.js:1',
      '(garbage collector)',
    ]);
    expect(top[0].percent).toBeCloseTo((100 * 4) / 9);
  });

  it('counts only the samples inside the load window when any fall in it', () => {
    const { top, sampledMs, windowed } = topSelfTime(profile([2, 2, 2, 3, 3, 3, 3, 1]), DIR, 15, { fromUs: 1_350, toUs: 1_750 });
    expect(windowed).toBe(true);
    expect(sampledMs).toBeCloseTo(0.4); // samples at 1 400 .. 1 700 µs
    expect(top.map((f) => [f.name, Math.round(f.percent)])).toEqual([['(anonymous) skeleton/dist/main.js:1', 100]]);
  });

  it('keeps the `count` largest', () => {
    expect(topSelfTime(profile([2, 3, 3, 4, 4, 4, 1]), DIR, 2).top.map((f) => f.name)).toEqual([
      '(garbage collector)',
      '(anonymous) skeleton/dist/main.js:1',
    ]);
  });
});
