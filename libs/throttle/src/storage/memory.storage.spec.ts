import { FakeClock, describeStorageConformance } from '../testing';
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
      const decision = storage.consumeSync({ rules: [{ key: `hi:{${i}}`, limit: 5, windowMs: 60_000 }] });
      if (!decision.allowed) throw new Error(`identity ${i} was refused on its first request`);
    }
    expect(storage.size).toBe(1_000);
  });

  it('evicts the least recently used key, forgetting its log', () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 2 }, clock);
    const rule = (key: string) => ({ rules: [{ key, limit: 1, windowMs: 60_000 }] });
    storage.consumeSync(rule('a'));
    storage.consumeSync(rule('b'));
    storage.consumeSync(rule('c'));
    expect(storage.consumeSync(rule('c')).allowed).toBe(false);
    expect(storage.consumeSync(rule('a')).allowed).toBe(true);
  });

  it('keeps at most limit timestamps per key however many requests arrive', () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({}, clock);
    for (let i = 0; i < 10_000; i++) {
      storage.consumeSync({ rules: [{ key: 'k', limit: 10, windowMs: 1_000 }] });
      clock.advance(1);
    }
    const admitted = [];
    for (let i = 0; i < 1000; i++) {
      admitted.push(storage.consumeSync({ rules: [{ key: 'k', limit: 10, windowMs: 1_000 }] }).allowed);
      clock.advance(1);
    }
    // one admission every 100 ms in steady state: 10 per 1000 ms
    expect(admitted.filter(Boolean)).toHaveLength(10);
  });

  it('rejects a non-positive maxKeys with the option name', () => {
    expect(() => new MemoryThrottleStorage({ maxKeys: 0 })).toThrow(/memory\.maxKeys/);
  });
});

describe('MemoryThrottleStorage.deniedSync', () => {
  it('answers exactly the refusal consume would give, and records nothing', () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({}, clock);
    const a = { key: 'a', limit: 1, windowMs: 1_000 };
    const b = { key: 'b', limit: 5, windowMs: 60_000 };
    expect(storage.deniedSync({ rules: [a, b] })).toBeUndefined();
    storage.consumeSync({ rules: [a, b] });
    clock.advance(300);
    const denied = storage.deniedSync({ rules: [a, b] });
    expect(denied).toEqual(storage.consumeSync({ rules: [a, b] }));
    expect(denied).toEqual({
      allowed: false,
      states: [
        { remaining: 0, resetMs: 700, retryAfterMs: 700 },
        { remaining: 4, resetMs: 59_700, retryAfterMs: 0 },
      ],
    });
    clock.advance(700);
    expect(storage.deniedSync({ rules: [a, b] })).toBeUndefined();
    expect(storage.consumeSync({ rules: [a, b] }).states[1].remaining).toBe(3);
  });
});
