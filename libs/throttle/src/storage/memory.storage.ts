import { MonotonicClock, ThrottleClock } from '../clock';
import { StoreEventHub, ThrottleStoreEvents } from './resilient/store-events';
import { ScopedLogs } from './scoped-logs';
import type { SlidingLog } from './sliding-log';
import { RuleState, StorageHealth, ThrottleDecision, ThrottleRequest, ThrottleRule, ThrottleStorage } from './throttle-storage';

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
 * The embedded, per-process store: sliding logs in one bounded LRU per scope (the scope is read from
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

  /** The memory store never waits: always the decision itself, recorded as {@link consume} records it. */
  override decideSync(request: ThrottleRequest): ThrottleDecision {
    const now = this.clock.now();
    const rules = request.rules;
    if (rules.length === 1) return this.consumeOne(rules[0], now);
    const logs = rules.map((rule) => this.logs.logFor(rule));
    const counts = rules.map((rule, i) => logs[i].prune(now, rule.windowMs));
    const allowed = rules.every((rule, i) => counts[i] < rule.limit);
    const states = rules.map((rule, i): RuleState => {
      if (allowed) {
        logs[i].push(now);
        return { remaining: rule.limit - counts[i] - 1, resetMs: rule.windowMs - (now - logs[i].oldest()), retryAfterMs: 0 };
      }
      return this.refusedState(rule, logs[i], counts[i], now);
    });
    return { allowed, states };
  }

  private consumeOne(rule: ThrottleRule, now: number): ThrottleDecision {
    const log = this.logs.logFor(rule);
    const count = log.prune(now, rule.windowMs);
    if (count < rule.limit) {
      log.push(now);
      const state = { remaining: rule.limit - count - 1, resetMs: rule.windowMs - (now - log.oldest()), retryAfterMs: 0 };
      return { allowed: true, states: [state] };
    }
    return { allowed: false, states: [this.refusedState(rule, log, count, now)] };
  }

  private refusedState(rule: ThrottleRule, log: SlidingLog, count: number, now: number): RuleState {
    const resetMs = count === 0 ? 0 : rule.windowMs - (now - log.oldest());
    const full = count >= rule.limit;
    return { remaining: Math.max(0, rule.limit - count), resetMs, retryAfterMs: full ? resetMs : 0 };
  }
}
