import { WorkerRestarts } from './worker-restarts';

// The primary's restart policy (issue 24): only the first boot's failures stop it; crash loops back off.
describe('WorkerRestarts', () => {
  let now = 0;
  const restarts = () => new WorkerRestarts(() => now);
  beforeEach(() => (now = 1_000_000));

  it('a worker of the first boot dying before it is ready is a config error: stop', () => {
    expect(restarts().onExit({ stopping: false, firstBootDone: false, booted: false })).toEqual({ kind: 'stop' });
  });

  it('a replacement dying before it is ready, after the first boot, is restarted, not taken for a config error', () => {
    expect(restarts().onExit({ stopping: false, firstBootDone: true, booted: false })).toEqual({ kind: 'restart', delayMs: 0 });
  });

  it('a crash loop backs off: immediately, then 250 ms, 500 ms, 1 s... capped at 30 s', () => {
    const policy = restarts();
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const action = policy.onExit({ stopping: false, firstBootDone: true, booted: i % 2 === 0 });
      delays.push(action.kind === 'restart' ? action.delayMs : -1);
      now += 2_000; // each replacement lives 2 s
    }
    expect(delays).toEqual([0, 250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('a worker that crashes a minute after the previous death restarts at once again', () => {
    const policy = restarts();
    for (let i = 0; i < 4; i++) policy.onExit({ stopping: false, firstBootDone: true, booted: true });
    now += 60_000;
    expect(policy.onExit({ stopping: false, firstBootDone: true, booted: true })).toEqual({ kind: 'restart', delayMs: 0 });
  });

  it('a worker that served for a second or more was stable: its death restarts at once, whatever came before', () => {
    const policy = restarts();
    for (let i = 0; i < 6; i++) policy.onExit({ stopping: false, firstBootDone: true, booted: true, readyForMs: 200 });
    expect(policy.onExit({ stopping: false, firstBootDone: true, booted: true, readyForMs: 999 })).toEqual({
      kind: 'restart',
      delayMs: 8_000,
    });
    expect(policy.onExit({ stopping: false, firstBootDone: true, booted: true, readyForMs: 1_000 })).toEqual({
      kind: 'restart',
      delayMs: 0,
    });
    expect(policy.onExit({ stopping: false, firstBootDone: true, booted: false })).toEqual({ kind: 'restart', delayMs: 250 });
  });

  it('exits while stopping are expected: ignored', () => {
    expect(restarts().onExit({ stopping: true, firstBootDone: false, booted: false })).toEqual({ kind: 'ignore' });
  });
});
