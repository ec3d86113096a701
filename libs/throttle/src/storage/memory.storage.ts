import { MonotonicClock, ThrottleClock } from '../clock';
import { GcraCell, gcraNext, gcraRefusedState, gcraState } from './gcra';
import { StoreEventHub, ThrottleStoreEvents } from './resilient/store-events';
import { blockRule, peekDecision, refundRule, slidingRefusedState, windowCount } from './memory-controls';
import { ScopedLogs } from './scoped-logs';
import type { SlidingLog } from './sliding-log';
import { retainOf, RuleState, StorageHealth, ThrottleDecision, ThrottleRequest, ThrottleRule, ThrottleStorage } from './throttle-storage';

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
 * The embedded, per-process store: sliding logs and GCRA cells in one bounded LRU per scope (the scope is read from
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
  private readonly logs: ScopedLogs;
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
    this.logs = new ScopedLogs(
      maxKeys,
      () => this.clock.now(),
      (scope) => this.events.emit('eviction', { scope }),
    );
  }

  /** Number of keys currently tracked, over every scope. */
  get size(): number {
    return this.logs.size;
  }

  override health(): StorageHealth {
    return { store: 'memory', state: 'ok', keys: this.logs.size };
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
    return Promise.resolve(peekDecision(this.logs, request, this.clock.now()));
  }

  /** Takes back each rule's newest `cost` units (see {@link ThrottleStorage.refund}). */
  override refund(request: ThrottleRequest): Promise<number[]> {
    const now = this.clock.now();
    return Promise.resolve(request.rules.map((rule) => refundRule(this.logs, rule, now)));
  }

  /** Blocks each rule's key for `blockMs` (see {@link ThrottleStorage.block}). */
  override block(request: ThrottleRequest, blockMs: number): Promise<number[]> {
    const now = this.clock.now();
    return Promise.resolve(request.rules.map((rule) => blockRule(this.logs, rule, blockMs, now)));
  }

  /** Forgets the keys. */
  override reset(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.logs.delete(key);
    return Promise.resolve();
  }

  /** The memory store never waits: always the decision itself, recorded as {@link consume} records it. */
  override decideSync(request: ThrottleRequest): ThrottleDecision {
    const now = this.clock.now();
    const rules = request.rules;
    if (rules.length === 1) return rules[0].algorithm === 'gcra' ? this.consumeOneGcra(rules[0], now) : this.consumeOne(rules[0], now);
    const nowUs = Math.round(now * 1000);
    const counters = rules.map((rule) => (rule.algorithm === 'gcra' ? this.logs.cellFor(rule) : this.logs.logFor(rule)));
    // Per rule: a sliding log's count in the window; a GCRA cell's next arrival time if it admits, else -1.
    const marks = rules.map((rule, i) => {
      const counter = counters[i];
      return counter instanceof GcraCell ? gcraNext(counter, rule, nowUs) : windowCount(counter, rule, now);
    });
    const allowed = rules.every((rule, i) => (counters[i] instanceof GcraCell ? marks[i] >= 0 : marks[i] + (rule.cost ?? 1) <= rule.limit));
    const states = rules.map((rule, i): RuleState => {
      const counter = counters[i];
      if (counter instanceof GcraCell) {
        if (!allowed) return gcraRefusedState(counter, rule, nowUs);
        counter.tat = marks[i];
        return gcraState(rule, marks[i] - nowUs, 0);
      }
      return allowed ? this.admitted(rule, counter, marks[i], now) : slidingRefusedState(rule, counter, marks[i], now);
    });
    return { allowed, states };
  }

  private consumeOne(rule: ThrottleRule, now: number): ThrottleDecision {
    const log = this.logs.logFor(rule);
    const count = windowCount(log, rule, now);
    if (count + (rule.cost ?? 1) <= rule.limit) return { allowed: true, states: [this.admitted(rule, log, count, now)] };
    return { allowed: false, states: [slidingRefusedState(rule, log, count, now)] };
  }

  private consumeOneGcra(rule: ThrottleRule, now: number): ThrottleDecision {
    const cell = this.logs.cellFor(rule);
    const nowUs = Math.round(now * 1000);
    const next = gcraNext(cell, rule, nowUs);
    if (next < 0) return { allowed: false, states: [gcraRefusedState(cell, rule, nowUs)] };
    cell.tat = next;
    return { allowed: true, states: [gcraState(rule, next - nowUs, 0)] };
  }

  private admitted(rule: ThrottleRule, log: SlidingLog, count: number, now: number): RuleState {
    const cost = rule.cost ?? 1;
    const first = log.length - count; // the oldest admission inside the rule's window (older ones are only retained)
    log.push(now, cost, rule.limit, retainOf(rule));
    return { remaining: rule.limit - count - cost, resetMs: rule.windowMs - (now - log.at(first)), retryAfterMs: 0 };
  }
}
