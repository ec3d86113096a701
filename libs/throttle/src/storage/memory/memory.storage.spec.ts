import { FakeClock, describeStorageConformance } from '../../testing';
import { MemoryThrottleStorage } from './memory.storage';

describeStorageConformance('memory', async () => {
  const clock = new FakeClock();
  return { storage: new MemoryThrottleStorage({}, clock), clock };
});

describe('MemoryThrottleStorage', () => {
  it('stays within maxKeys under a flood of a million distinct identities', () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 1_000 }, clock);
    for (let i = 0; i < 1_000_000; i++) {
      const decision = storage.decideSync({ rules: [{ key: `hi:{${i}}`, limit: 5, windowMs: 60_000 }] });
      if (!decision.allowed) throw new Error(`identity ${i} was refused on its first request`);
    }
    expect(storage.size).toBe(1_000);
  });

  it('evicts the least recently used key, forgetting its log', () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 2 }, clock);
    const rule = (key: string) => ({ rules: [{ key, limit: 1, windowMs: 60_000 }] });
    storage.decideSync(rule('a'));
    storage.decideSync(rule('b'));
    storage.decideSync(rule('c'));
    expect(storage.decideSync(rule('c')).allowed).toBe(false);
    expect(storage.decideSync(rule('a')).allowed).toBe(true);
  });

  it('keeps at most limit timestamps per key however many requests arrive', () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({}, clock);
    for (let i = 0; i < 10_000; i++) {
      storage.decideSync({ rules: [{ key: 'k', limit: 10, windowMs: 1_000 }] });
      clock.advance(1);
    }
    const admitted = [];
    for (let i = 0; i < 1000; i++) {
      admitted.push(storage.decideSync({ rules: [{ key: 'k', limit: 10, windowMs: 1_000 }] }).allowed);
      clock.advance(1);
    }
    // one admission every 100 ms in steady state: 10 per 1000 ms
    expect(admitted.filter(Boolean)).toHaveLength(10);
  });

  it('rejects a non-positive maxKeys with the option name', () => {
    expect(() => new MemoryThrottleStorage({ maxKeys: 0 })).toThrow(/memory\.maxKeys/);
  });
});

// Regression (package test): with fractional monotonic times, `oldest + window - now` came out as
// 60000.00000000001 for a first hit, which the headers round up to t=61 on a 60 s window.
describe('MemoryThrottleStorage reset times', () => {
  it('never reports more than the window, whatever the fractional time', () => {
    for (const start of [5536.1, 1234.567, 0.1 + 0.2, 987654.321]) {
      const clock = new FakeClock(start);
      const storage = new MemoryThrottleStorage({}, clock);
      const decision = storage.decideSync({ rules: [{ key: 'k', limit: 3, windowMs: 60_000 }] });
      expect(decision.states[0].resetMs).toBeLessThanOrEqual(60_000);
    }
  });
});

describe('MemoryThrottleStorage.decideSync', () => {
  it('decides without a promise, as consume does; a refusal records nothing', async () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({}, clock);
    const a = { key: 'a', limit: 1, windowMs: 1_000 };
    const b = { key: 'b', limit: 5, windowMs: 60_000 };
    expect(storage.decideSync({ rules: [a, b] }).allowed).toBe(true);
    clock.advance(300);
    const refused = {
      allowed: false,
      states: [
        { remaining: 0, resetMs: 700, retryAfterMs: 700 },
        { remaining: 4, resetMs: 59_700, retryAfterMs: 0 },
      ],
    };
    expect(storage.decideSync({ rules: [a, b] })).toEqual(refused);
    expect(await storage.consume({ rules: [a, b] })).toEqual(refused);
    clock.advance(700);
    expect(storage.decideSync({ rules: [a, b] }).states[1].remaining).toBe(3);
  });
});
