// The `local` policy's store: what each process decides alone while the shared store cannot answer.
import { FakeClock } from '../../testing';
import { scopeKeyPrefix, storeKey } from '../store-key';
import { ThrottleDecision, ThrottleRequest, ThrottleStorage } from '../throttle-storage';
import { ResilientStorageOptions } from './resilient-options';
import { ResilientThrottleStorage } from './resilient.storage';

/** A shared store that is down: every call fails at once. */
class DownStore extends ThrottleStorage {
  consume(): Promise<ThrottleDecision> {
    return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  }
}

function degraded(options: ResilientStorageOptions = {}) {
  const clock = new FakeClock();
  const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
  return { clock, storage: new ResilientThrottleStorage(new DownStore(), { clock, logger: quiet, ...options }) };
}
const rule = (scope: string, id: string, limit: number, windowMs = 60_000): ThrottleRequest => ({
  rules: [{ key: storeKey(scopeKeyPrefix(scope), id), limit, windowMs }],
});

describe('the local fallback: per-scope bounds', () => {
  it('a flood of new identities in one scope leaves another scope spent, and counts the live logs it evicts', async () => {
    const { storage, clock } = degraded({ memory: { maxKeys: 10 } });
    const evicted: string[] = [];
    storage.subscribe({ eviction: (e) => evicted.push(e.scope) });
    for (let i = 0; i < 5; i++) expect((await storage.consume(rule('hi', 'ip:a', 5))).allowed).toBe(true);
    for (let i = 0; i < 40; i++) await storage.consume(rule('api_key', `q:${i}`, 1, 1_000));
    clock.advance(500);
    expect((await storage.consume(rule('hi', 'ip:a', 5))).allowed).toBe(false);
    expect(evicted).toEqual(Array(30).fill('api_key'));
  });
});

describe('the local fallback: each instance its share of the limit', () => {
  it('admits ceil(limit / instances) per window, and reports that limit with the state', async () => {
    const { storage, clock } = degraded({ instances: 4 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await storage.consume(rule('api_key', 'q:k', 10)));
    expect(results.map((d) => d.allowed)).toEqual([true, true, true, false, false]); // ceil(10 / 4) = 3
    expect(results[0].states).toEqual([{ remaining: 2, resetMs: 60_000, retryAfterMs: 0, limit: 3 }]);
    expect(results[3].states).toEqual([{ remaining: 0, resetMs: 60_000, retryAfterMs: 60_000, limit: 3 }]);
    clock.advance(60_000); // the window is unchanged
    expect((await storage.consume(rule('api_key', 'q:k', 10))).allowed).toBe(true);
  });

  it('never rounds a share down to nothing, and checks several scopes atomically under their shares', async () => {
    const { storage } = degraded({ instances: 3 });
    const both: ThrottleRequest = { rules: [...rule('hi', 'ip:a', 1).rules, ...rule('burst', 'ip:a', 7).rules] };
    const first = await storage.consume(both);
    expect(first.allowed).toBe(true);
    expect(first.states.map((s) => s.limit)).toEqual([1, 3]);
    expect((await storage.consume(both)).allowed).toBe(false); // hi: ceil(1 / 3) = 1, spent
    expect((await storage.consume(rule('burst', 'ip:a', 7))).states[0].remaining).toBe(1); // the refusal recorded nothing
  });

  it('shares a GCRA burst too, and never shares below the request cost', async () => {
    const { storage } = degraded({ instances: 4 });
    const [gcra] = rule('hi', 'ip:a', 10, 1_000).rules;
    const bucket = { ...gcra, algorithm: 'gcra' as const, burst: 8 };
    const flood = [];
    for (let i = 0; i < 4; i++) flood.push(await storage.consume({ rules: [bucket] }));
    expect(flood.map((d) => d.allowed)).toEqual([true, true, false, false]); // ceil(8 / 4) = 2 at once
    const costly = { ...rule('api', 'ip:a', 10).rules[0], cost: 5 };
    expect((await storage.consume({ rules: [costly] })).states[0]).toMatchObject({ limit: 5, remaining: 0 }); // share 3 < cost 5
  });

  it('with one instance (the default), decides under the full limit and adds nothing to the states', async () => {
    const { storage } = degraded();
    const decision = await storage.consume(rule('api_key', 'q:k', 10));
    expect(decision.states).toEqual([{ remaining: 9, resetMs: 60_000, retryAfterMs: 0 }]);
  });

  it.each([0, 1.5, -2, NaN])('refuses instances = %p, naming the option', (instances) => {
    expect(() => degraded({ instances })).toThrow(`Invalid throttle config: instances must be a positive integer, got ${instances}`);
  });
});
