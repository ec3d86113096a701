import { LRUCache } from 'lru-cache';
import { SlidingLog } from './sliding-log';
import { scopeKeyPrefix, scopeOfKey } from './store-key';

/** Called when the bound drops a log that still holds an admission inside its window; `scope` is '' for keys outside the `<scope>:{…}` format. */
export type LiveEvictionListener = (scope: string) => void;

/** One scope's bounded LRU, and the key prefix that selects it. */
interface ScopeLogs {
  readonly prefix: string;
  readonly logs: LRUCache<string, SlidingLog>;
}

/**
 * Scopes found by prefix tests (no allocation, ~10 ns each); a scope past them is found by slicing its
 * name out of the key and a Map lookup, which allocates but costs less than a longer scan.
 */
const SCANNED_SCOPES = 8;

/**
 * The memory store's sliding logs: one LRU per scope (read from the key, see `store-key.ts`), each
 * bounded by `maxKeys`, so a flood of new identities in one scope evicts only that scope's least
 * recently used logs and never another scope's counters. Keys outside the `<scope>:{…}` format share
 * one more LRU of the same bound. Each LRU is created on its scope's first key.
 *
 * @example
 * const logs = new ScopedLogs(100_000, () => clock.now(), (scope) => evictions.inc({ scope }));
 * const log = logs.logFor('hi:{Xb3…}', 60, 60_000);
 */
export class ScopedLogs {
  /** The scopes seen so far, found by prefix (allocation-free); the first {@link SCANNED_SCOPES} of {@link byName}. */
  private readonly scanned: ScopeLogs[] = [];
  private readonly byName = new Map<string, ScopeLogs>();
  /** The scope found last: a run of decisions in one scope (a flood) costs one prefix test each. */
  private last?: ScopeLogs;
  private unscoped?: LRUCache<string, SlidingLog>;

  constructor(
    private readonly maxKeys: number,
    private readonly now: () => number,
    private readonly onLiveEviction: LiveEvictionListener,
  ) {}

  /** The log of `key`, created for the rule's `limit` and `windowMs` if it has none (the least recently used key of its scope may go). */
  logFor(key: string, limit: number, windowMs: number): SlidingLog {
    const lru = this.lruOf(key);
    let log = lru.get(key);
    if (log === undefined) {
      log = new SlidingLog(limit, windowMs);
      lru.set(key, log);
    }
    return log;
  }

  /** Keys tracked, over every scope. */
  get size(): number {
    let n = this.unscoped?.size ?? 0;
    for (const scope of this.byName.values()) n += scope.logs.size;
    return n;
  }

  private lruOf(key: string): LRUCache<string, SlidingLog> {
    const last = this.last;
    if (last !== undefined && key.startsWith(last.prefix)) return last.logs;
    const scanned = this.scanned;
    for (let i = 0; i < scanned.length; i++) {
      if (key.startsWith(scanned[i].prefix)) return (this.last = scanned[i]).logs;
    }
    const scope = scopeOfKey(key);
    if (scope === undefined) return (this.unscoped ??= this.createLru(''));
    let entry = this.byName.get(scope);
    if (entry === undefined) {
      entry = { prefix: scopeKeyPrefix(scope), logs: this.createLru(scope) };
      this.byName.set(scope, entry);
      if (scanned.length < SCANNED_SCOPES) scanned.push(entry);
    }
    return (this.last = entry).logs;
  }

  /**
   * A scope's LRU, bounded by `max` (it preallocates its index, about 28 bytes per slot: 2.8 MB at the
   * default 100 000 keys). `maxSize` with a size of 1 per log would grow instead, but then `get` is no
   * longer inlined into the decision and allocates its default options object on every request.
   */
  private createLru(scope: string): LRUCache<string, SlidingLog> {
    return new LRUCache<string, SlidingLog>({
      max: this.maxKeys,
      dispose: (log, _key, reason) => {
        if (reason === 'evict' && log.isLive(this.now())) this.onLiveEviction(scope);
      },
    });
  }
}
