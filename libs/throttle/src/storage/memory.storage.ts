import { LRUCache } from 'lru-cache';
import { MonotonicClock, ThrottleClock } from '../clock';
import { SlidingLog } from './sliding-log';
import { RuleState, StorageHealth, ThrottleDecision, ThrottleRequest, ThrottleRule, ThrottleStorage } from './throttle-storage';

/** Options of the embedded store. */
export interface MemoryStorageOptions {
  /** Most keys (scope, identity pairs) tracked at once; the least recently used is evicted. Default 100 000. */
  maxKeys?: number;
}

export const DEFAULT_MAX_KEYS = 100_000;

/**
 * The embedded, per-process store: a bounded LRU of sliding logs. Exact within one process;
 * with several workers or replicas each keeps its own counts (use the Redis store to share).
 *
 * @example
 * const storage = new MemoryThrottleStorage({ maxKeys: 50_000 });
 * await storage.consume({ rules: [{ key: 'hi:abc', limit: 60, windowMs: 60_000 }] });
 */
export class MemoryThrottleStorage extends ThrottleStorage {
  private readonly logs: LRUCache<string, SlidingLog>;

  constructor(
    options: MemoryStorageOptions = {},
    private readonly clock: ThrottleClock = new MonotonicClock(),
  ) {
    super();
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new TypeError(`Invalid throttle config: memory.maxKeys must be a positive integer, got ${maxKeys}`);
    }
    this.logs = new LRUCache<string, SlidingLog>({ max: maxKeys });
  }

  /** Number of keys currently tracked. */
  get size(): number {
    return this.logs.size;
  }

  override health(): StorageHealth {
    return { store: 'memory', state: 'ok', keys: this.logs.size };
  }

  consume(request: ThrottleRequest): Promise<ThrottleDecision> {
    return Promise.resolve(this.decideSync(request));
  }

  /** The memory store never waits: always the decision itself, recorded as {@link consume} records it. */
  override decideSync(request: ThrottleRequest): ThrottleDecision {
    const now = this.clock.now();
    const rules = request.rules;
    if (rules.length === 1) return this.consumeOne(rules[0], now);
    const logs = rules.map((rule) => this.logFor(rule));
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
    const log = this.logFor(rule);
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

  private logFor(rule: ThrottleRule): SlidingLog {
    let log = this.logs.get(rule.key);
    if (log === undefined) {
      log = new SlidingLog(rule.limit);
      this.logs.set(rule.key, log);
    }
    return log;
  }
}
