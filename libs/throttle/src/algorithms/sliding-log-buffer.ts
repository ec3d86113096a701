/**
 * The admission times of one key (one entry per admitted unit), oldest first, in a growable ring buffer
 * that holds no more entries than the largest limit it served. Expired entries are dropped from the
 * front as time passes, so each decision does amortised O(1) work per unit and no timer is ever set.
 */
export class SlidingLog {
  private times: Float64Array;
  private head = 0;
  private size = 0;
  /** Until when (store-clock ms) a block holds the log full; 0 when never blocked (see `blockRule`). */
  blockedUntil = 0;
  /** The block's entries (`blockUnits` at `blockAt`), which a refund never drops. */
  blockAt = 0;
  blockUnits = 0;

  /**
   * @param limit the rule's limit (the ring grows up to it; a higher limit later, a client's new tier, grows it further)
   * @param windowMs how long the rule's key keeps admissions (its retention), for {@link isLive} (the latest admission's rule sets it)
   */
  constructor(
    limit: number,
    private windowMs: number,
  ) {
    this.times = new Float64Array(Math.min(limit, 4));
  }

  /** Drops every admission at or before `now - retainMs`; returns how many remain. */
  prune(now: number, retainMs: number): number {
    const cutoff = now - retainMs;
    const capacity = this.times.length;
    while (this.size > 0 && this.times[this.head] <= cutoff) {
      this.head = this.head + 1 === capacity ? 0 : this.head + 1;
      this.size--;
    }
    return this.size;
  }

  /** Admissions logged (after the last `prune`). */
  get length(): number {
    return this.size;
  }

  /**
   * How many logged admissions lie after `now - windowMs` (binary search: the log is sorted). Call
   * `prune` first; when `windowMs` is what it pruned by, that is every one of them.
   */
  countSince(now: number, windowMs: number): number {
    const cutoff = now - windowMs;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid) <= cutoff) lo = mid + 1;
      else hi = mid;
    }
    return this.size - lo;
  }

  /** The oldest admission still logged; call `prune` first. */
  oldest(): number {
    return this.times[this.head];
  }

  /** The `index`-th oldest admission (0 = the oldest); call `prune` first, `index < size`. */
  at(index: number): number {
    const at = this.head + index;
    return this.times[at >= this.times.length ? at - this.times.length : at];
  }

  /** Whether an admission is still inside the window at `now`: dropping this log would forget it. */
  isLive(now: number): boolean {
    return this.size > 0 && this.at(this.size - 1) > now - this.windowMs;
  }

  /**
   * Records `units` admissions at `now` under a rule of `limit` per `windowMs` whose key keeps its log
   * `retainMs` (for {@link isLive}); callers checked that the rule admits them.
   */
  push(now: number, units: number, limit: number, retainMs: number): void {
    // Admitted during a partly refunded block, whose entries lie in the future: keep the log in time order.
    if (this.size > 0 && this.at(this.size - 1) > now) return this.insertAt(now, units, limit, retainMs);
    this.windowMs = retainMs;
    if (this.size + units > this.times.length) this.grow(this.size + units, limit);
    const capacity = this.times.length;
    for (let i = 0; i < units; i++) {
      const tail = this.head + this.size;
      this.times[tail >= capacity ? tail - capacity : tail] = now;
      this.size++;
    }
  }

  /**
   * Drops up to `units` of the newest admissions logged after `since` (a refund); returns how many it
   * dropped. The ring keeps its capacity.
   */
  dropNewest(units: number, since: number): number {
    if (this.blockUnits > 0 && this.blockAt > since) return this.dropAroundBlock(units, since);
    let dropped = 0;
    while (dropped < units && this.size > 0 && this.at(this.size - 1) > since) {
      this.size--;
      dropped++;
    }
    return dropped;
  }

  /** {@link dropNewest} while a block may hold entries after `since`: a refund never lifts a block, so they stay. */
  private dropAroundBlock(units: number, since: number): number {
    const times = Array.from({ length: this.size }, (_, i) => this.at(i));
    let kept = this.blockUnits;
    let dropped = 0;
    for (let i = times.length - 1; i >= 0 && dropped < units && times[i] > since; i--) {
      if (kept > 0 && times[i] === this.blockAt) kept--;
      else {
        times.splice(i, 1);
        dropped++;
      }
    }
    times.forEach((t, i) => (this.times[i] = t));
    this.head = 0;
    this.size = times.length;
    return dropped;
  }

  /** Records `units` entries at `time`, which may be earlier than the newest (a block): kept in time order. */
  insertAt(time: number, units: number, limit: number, retainMs: number): void {
    const times = Array.from({ length: this.size }, (_, i) => this.at(i));
    for (let i = 0; i < units; i++) times.push(time);
    times.sort((a, b) => a - b);
    this.size = 0;
    this.head = 0;
    for (const t of times) this.push(t, 1, Math.max(limit, times.length), retainMs);
  }

  /** Bytes held by the ring (for memory accounting). */
  get byteLength(): number {
    return this.times.byteLength;
  }

  /**
   * Doubles the ring, oldest entry first: at most to `limit` while that holds `needed`, else (a key
   * retaining more than its rule's limit: `ThrottleRule.retainMs`) to at least `needed`, still doubling.
   */
  private grow(needed: number, limit: number): void {
    const doubled = this.times.length * 2;
    const next = new Float64Array(needed <= limit ? Math.max(needed, Math.min(limit, doubled)) : Math.max(needed, doubled));
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.times = next;
    this.head = 0;
  }
}
