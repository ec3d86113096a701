// The `local` policy's store: what each process decides alone while the shared store cannot answer.
import { FakeClock } from '../../testing';
import { scopeKeyPrefix, storeKey } from '../store-key';
import { ThrottleDecision, ThrottleRequest, ThrottleStorage } from '../throttle-storage';
import { ResilientStorageOptions, ResilientThrottleStorage } from './resilient.storage';

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
