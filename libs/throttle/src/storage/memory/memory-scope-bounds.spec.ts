// Regression (issue 9, item 4): one LRU for all scopes let a flood of new identities in one scope evict
// another scope's live logs, handing that scope's clients a fresh budget. Each scope now has its own bound.
import { FakeClock } from '../../testing';
import { MemoryThrottleStorage } from './memory.storage';
import { MAX_SCOPES } from './scoped-counters';
import { scopeKeyPrefix, storeKey } from '../store-key';

const HI = { limit: 5, windowMs: 60_000 };
const hi = (client: string) => ({ rules: [{ key: storeKey(scopeKeyPrefix('hi'), client), ...HI }] });
const apiKey = (value: number) => ({ rules: [{ key: storeKey(scopeKeyPrefix('api_key'), `q:${value}`), limit: 1, windowMs: 1_000 }] });

function admitted(storage: MemoryThrottleStorage, request: ReturnType<typeof hi>, times: number): number {
  let n = 0;
  for (let i = 0; i < times; i++) if (storage.decideSync(request).allowed) n++;
  return n;
}

describe('MemoryThrottleStorage: per-scope bounds', () => {
  it('a flood of distinct identities in one scope leaves another scope spent', () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 100 }, clock);
    expect(admitted(storage, hi('ip:192.0.2.1'), 5)).toBe(5);
    for (let i = 0; i < 2_400; i++) storage.decideSync(apiKey(i));
    clock.advance(1_000);
    expect(admitted(storage, hi('ip:192.0.2.1'), 5)).toBe(0);
    clock.advance(59_000);
    expect(admitted(storage, hi('ip:192.0.2.1'), 5)).toBe(5);
  });

  it("bounds each scope by maxKeys, evicting that scope's least recently used key", () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 3 }, clock);
    for (const client of ['a', 'b', 'c']) storage.decideSync(hi(client));
    for (let i = 0; i < 10; i++) storage.decideSync(apiKey(i));
    expect(storage.size).toBe(6); // 3 per scope
    storage.decideSync(hi('d')); // evicts hi "a", the least recently used hi key
    expect(admitted(storage, hi('b'), 5)).toBe(4);
    expect(admitted(storage, hi('a'), 5)).toBe(5);
  });

  it('publishes an eviction event, with the scope, only for a log still holding an admission in its window', () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 2 }, clock);
    const evicted: string[] = [];
    storage.subscribe({ eviction: (e) => evicted.push(e.scope) });
    storage.decideSync(apiKey(1));
    storage.decideSync(apiKey(2));
    clock.advance(1_000); // both logs expire: evicting them forgets nothing
    storage.decideSync(apiKey(3));
    storage.decideSync(apiKey(4));
    expect(evicted).toEqual([]);
    clock.advance(999); // 3 and 4 still inside their 1 s window
    storage.decideSync(apiKey(5));
    storage.decideSync(apiKey(6));
    storage.decideSync({ rules: [{ key: 'plain-1', limit: 1, windowMs: 1_000 }] });
    storage.decideSync({ rules: [{ key: 'plain-2', limit: 1, windowMs: 1_000 }] });
    storage.decideSync({ rules: [{ key: 'plain-3', limit: 1, windowMs: 1_000 }] });
    expect(evicted).toEqual(['api_key', 'api_key', '']);
  });

  it('keeps lookups apart past the scopes it finds by prefix', () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 1 }, clock);
    const key = (scope: number, id: string) => ({
      rules: [{ key: storeKey(scopeKeyPrefix(`s${scope}`), id), limit: 1, windowMs: 60_000 }],
    });
    for (let s = 0; s < 40; s++) expect(storage.decideSync(key(s, 'a')).allowed).toBe(true);
    for (let s = 0; s < 40; s++) expect(storage.decideSync(key(s, 'a')).allowed).toBe(false);
    expect(storage.size).toBe(40);
  });

  it("keeps the least-recently-used order while a scope's LRU grows to maxKeys", () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 1_000 }, clock);
    const evicted: string[] = [];
    storage.subscribe({ eviction: (e) => evicted.push(e.scope) });
    for (let i = 0; i < 300; i++) storage.decideSync(apiKey(i)); // past the first LRU's slots
    storage.decideSync(apiKey(0)); // refused, and now the most recently used
    for (let i = 300; i < 1_001; i++) storage.decideSync(apiKey(i)); // the 1001st key evicts the least recently used: 1
    expect(storage.size).toBe(1_000);
    expect(evicted).toEqual(['api_key']);
    expect(storage.decideSync(apiKey(0)).allowed).toBe(false); // kept
    expect(storage.decideSync(apiKey(2)).allowed).toBe(false); // kept
    expect(storage.decideSync(apiKey(1)).allowed).toBe(true); // evicted: a fresh log
  });

  it(`gives at most ${MAX_SCOPES} scopes an LRU of their own; keys of further scopes share one more`, () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 2 }, clock);
    const evicted: string[] = [];
    storage.subscribe({ eviction: (e) => evicted.push(e.scope) });
    const key = (scope: number) => ({ rules: [{ key: storeKey(scopeKeyPrefix(`s${scope}`), 'a'), limit: 1, windowMs: 60_000 }] });
    for (let s = 0; s < MAX_SCOPES + 3; s++) storage.decideSync(key(s));
    expect(storage.size).toBe(MAX_SCOPES + 2); // the shared LRU holds 2 of the last 3
    expect(evicted).toEqual(['']);
    expect(storage.decideSync(key(0)).allowed).toBe(false);
  });
});
