import { algorithmOf } from '../../algorithms/registry';
import { MonotonicClock, ThrottleClock } from '../../clock';
import { StoreEventHub, ThrottleStoreEvents } from '../store-events';
import { blockRule, peekDecision, refundRule } from './memory-controls';
import { ScopedCounters } from './scoped-counters';
import { StorageHealth, ThrottleDecision, ThrottleRequest, ThrottleRule, ThrottleStorage } from '../throttle-storage';

/** Options of the embedded store. */
export interface MemoryStorageOptions {
  /**
   * Most keys (identities) tracked at once **per scope**; past it, the scope's least recently used key
   * is evicted, and no other scope's. Default 100 000. Memory is bounded by `maxKeys` × the number of scopes.
   */
  maxKeys?: number;
}

export const DEFAULT_MAX_KEYS = 100_000;

/**
 * The embedded, per-process store: each key's algorithm state (`algorithms/`) in one bounded LRU per scope (the scope is read from
 * the store key, `<scope>:{<hash>}`), so a flood of new identities in one scope never evicts another
 * scope's counters. Exact within one process; with several workers or replicas each keeps its own
 * counts (use the Redis store to share). An eviction that drops a log still holding an admission inside
 * its window is published as an `eviction` event ({@link subscribe}).
 *
 * @example
 * const storage = new MemoryThrottleStorage({ maxKeys: 50_000 });
 * storage.subscribe({ eviction: (e) => console.warn(`live log evicted in scope ${e.scope}`) });
 * await storage.consume({ rules: [{ key: 'hi:{abc}', limit: 60, windowMs: 60_000 }] });
 */
export class MemoryThrottleStorage extends ThrottleStorage {
  private readonly counters: ScopedCounters;
  private readonly events = new StoreEventHub();

  constructor(
    options: MemoryStorageOptions = {},
    private readonly clock: ThrottleClock = new MonotonicClock(),
  ) {
    super();
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new TypeError(`Invalid throttle config: memory.maxKeys must be a positive integer, got ${maxKeys}`);
    }
    this.counters = new ScopedCounters(
      maxKeys,
      () => this.clock.now(),
      (scope) => this.events.emit('eviction', { scope }),
    );
  }

  /** Number of keys currently tracked, over every scope. */
  get size(): number {
    return this.counters.size;
  }

  override health(): StorageHealth {
    return { store: 'memory', state: 'ok', keys: this.counters.size };
  }

  /** Publishes `eviction` events: the per-scope bound dropped a log that was still live. */
  override subscribe(listener: ThrottleStoreEvents): () => void {
    return this.events.subscribe(listener);
  }

  consume(request: ThrottleRequest): Promise<ThrottleDecision> {
    return Promise.resolve(this.decideSync(request));
  }

  /** The decision {@link consume} would give now, recording nothing (keys it has never seen stay unseen). */
  override peek(request: ThrottleRequest): Promise<ThrottleDecision> {
    return Promise.resolve(peekDecision(this.counters, request, this.clock.now()));
  }

  /** Takes back each rule's newest `cost` units (see {@link ThrottleStorage.refund}). */
  override refund(request: ThrottleRequest): Promise<number[]> {
    const now = this.clock.now();
    return Promise.resolve(request.rules.map((rule) => refundRule(this.counters, rule, now)));
  }

  /** Blocks each rule's key for `blockMs` (see {@link ThrottleStorage.block}). */
  override block(request: ThrottleRequest, blockMs: number): Promise<number[]> {
    const now = this.clock.now();
    return Promise.resolve(request.rules.map((rule) => blockRule(this.counters, rule, blockMs, now)));
  }

  /** Forgets the keys. */
  override reset(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.counters.delete(key);
    return Promise.resolve();
  }

  /** The memory store never waits: always the decision itself, recorded as {@link consume} records it. */
  override decideSync(request: ThrottleRequest): ThrottleDecision {
    const now = this.clock.now();
    const rules = request.rules;
    if (rules.length === 1) return this.consumeOne(rules[0], now);
    const units = rules.map((rule) => algorithmOf(rule).memory);
    const counters = rules.map((rule, i) => this.counters.counterFor(rule, units[i]));
    // Per rule, its algorithm's mark (a sliding log's count in the window, a GCRA cell's next arrival time, ...).
    const marks = rules.map((rule, i) => units[i].check(counters[i], rule, now));
    const allowed = rules.every((rule, i) => units[i].admits(marks[i], rule));
    const states = rules.map((rule, i) =>
      allowed ? units[i].admit(counters[i], rule, marks[i], now) : units[i].refuse(counters[i], rule, marks[i], now),
    );
    return { allowed, states };
  }

  private consumeOne(rule: ThrottleRule, now: number): ThrottleDecision {
    const unit = algorithmOf(rule).memory;
    const counter = this.counters.counterFor(rule, unit);
    const mark = unit.check(counter, rule, now);
    if (unit.admits(mark, rule)) return { allowed: true, states: [unit.admit(counter, rule, mark, now)] };
    return { allowed: false, states: [unit.refuse(counter, rule, mark, now)] };
  }
}
