import { LRUCache } from 'lru-cache';
import type { MemoryCounter, MemoryUnit } from '../../algorithms/algorithm';
import { scopeOfKey } from '../store-key';
import type { ThrottleRule } from '../throttle-storage';

/** Called when a bound drops a log that still holds an admission inside its window; `scope` is '' for the shared LRU. */
export type LiveEvictionListener = (scope: string) => void;

/** What a key holds: its algorithm's state (a sliding log, a GCRA cell, ...). */
export type Counter = MemoryCounter;

/** One scope's LRU (replaced by a larger one as it fills). */
interface ScopeCounters {
  readonly scope: string;
  logs: LRUCache<string, Counter>;
}

/** Scopes with an LRU of their own; keys of further scopes (custom key schemes only) share one more. */
export const MAX_SCOPES = 1_000;
/** Slots of a new LRU; it doubles as it fills, up to `maxKeys`. */
const INITIAL_SLOTS = 256;

/**
 * The memory store's counters (each key's algorithm state: `algorithms/`): one LRU per scope (the rule's `scope`, else read from the key: `store-key.ts`), each
 * bounded by `maxKeys`, so a flood of new identities in one scope evicts only that scope's least
 * recently used logs and never another scope's counters. Keys outside the `<scope>:{…}` format, and
 * keys of scopes past {@link MAX_SCOPES}, share one more LRU of the same bound.
 *
 * An LRU is bounded by `max`, whose index lru-cache preallocates (about 28 bytes per slot), so each
 * starts small and is replaced by one twice its size, entries copied in LRU order, when it fills.
 * (`maxSize` would grow by itself, but then every `get` allocates.)
 *
 * @example
 * const counters = new ScopedCounters(100_000, () => clock.now(), (scope) => evictions.inc({ scope }));
 * const log = counters.counterFor({ key: 'hi:{Xb3…}', limit: 60, windowMs: 60_000, scope: 'hi' }, slidingLog.memory);
 */
export class ScopedCounters {
  private readonly byName = new Map<string, ScopeCounters>();
  /** The scope LRU used last: a request's scope is found without a second map lookup (one lookup per scope: its key's). */
  private last?: ScopeCounters;
  private shared?: ScopeCounters;
  /**
   * Given to every `get`: its default, a fresh `{}`, is allocated on each call the JIT does not inline
   * (this one, below the store's decision). lru-cache writes its diagnostics `status` into it, so that
   * is cleared before each call.
   */
  private readonly getOptions: LRUCache.GetOptions<string, Counter, unknown> = { status: undefined };

  constructor(
    private readonly maxKeys: number,
    private readonly now: () => number,
    private readonly onLiveEviction: LiveEvictionListener,
  ) {}

  /**
   * The counter of the rule's key, created by its algorithm's `unit` if it has none (the least recently
   * used key of its scope may go), or if it holds another algorithm's state (a caller reused a key).
   */
  counterFor<C extends Counter>(rule: ThrottleRule, unit: MemoryUnit<C>): C {
    const entry = this.entryOf(rule.scope ?? scopeOfKey(rule.key));
    const counter = this.lookup(entry, rule.key);
    if (unit.owns(counter)) return counter;
    return this.store(entry, rule.key, unit.create(rule));
  }

  /** The counter of the rule's key if it has one; creates nothing and leaves the LRU order alone. */
  existing(rule: ThrottleRule): Counter | undefined {
    return this.entryOf(rule.scope ?? scopeOfKey(rule.key)).logs.peek(rule.key);
  }

  /** Forgets a key (its scope read from the key, as the guard's keys carry it). */
  delete(key: string): void {
    this.entryOf(scopeOfKey(key)).logs.delete(key);
  }

  private lookup(entry: ScopeCounters, key: string): Counter | undefined {
    const options = this.getOptions;
    options.status = undefined;
    return entry.logs.get(key, options);
  }

  /** Sets a new counter (replacing one of the other kind, if a caller reused a key across algorithms). */
  private store<C extends Counter>(entry: ScopeCounters, key: string, counter: C): C {
    if (entry.logs.size === entry.logs.max && entry.logs.max < this.maxKeys) this.grow(entry);
    entry.logs.set(key, counter);
    return counter;
  }

  /** Keys tracked, over every scope. */
  get size(): number {
    let n = this.shared?.logs.size ?? 0;
    for (const entry of this.byName.values()) n += entry.logs.size;
    return n;
  }

  /** The LRU of `scope` (created on first use); the shared one for keys with no scope, or past {@link MAX_SCOPES}. */
  private entryOf(scope: string | undefined): ScopeCounters {
    const last = this.last;
    if (last !== undefined && last.scope === scope) return last;
    let entry = scope === undefined ? undefined : this.byName.get(scope);
    if (entry !== undefined) return (this.last = entry);
    if (scope === undefined || this.byName.size >= MAX_SCOPES) return (this.shared ??= this.create(''));
    entry = this.create(scope);
    this.byName.set(scope, entry);
    return (this.last = entry);
  }

  private create(scope: string): ScopeCounters {
    return { scope, logs: this.lru(scope, Math.min(INITIAL_SLOTS, this.maxKeys)) };
  }

  /** Replaces a full LRU by one twice its size (at most `maxKeys`), least recently used entries first, so the order survives. */
  private grow(entry: ScopeCounters): void {
    const larger = this.lru(entry.scope, Math.min(entry.logs.max * 2, this.maxKeys));
    entry.logs.rforEach((log, key) => larger.set(key, log));
    entry.logs = larger; // the old one is dropped, not cleared: nothing is disposed
  }

  private lru(scope: string, max: number): LRUCache<string, Counter> {
    return new LRUCache<string, Counter>({
      max,
      dispose: (log, _key, reason) => {
        if (reason === 'evict' && log.isLive(this.now())) this.onLiveEviction(scope);
      },
    });
  }
}
