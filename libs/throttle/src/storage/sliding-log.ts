/**
 * The admission times of one key, oldest first, in a growable ring buffer that never holds
 * more than `limit` entries. Expired entries are dropped from the front as time passes, so
 * each decision does amortised O(1) work and no timer is ever set.
 */
export class SlidingLog {
  private times: Float64Array;
  private head = 0;
  private size = 0;

  /**
   * @param limit most admissions the log ever holds (the rule's limit)
   * @param windowMs the rule's window, for {@link isLive}
   */
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.times = new Float64Array(Math.min(limit, 4));
  }

  /** Drops every admission at or before `now - windowMs`; returns how many remain. */
  prune(now: number, windowMs: number): number {
    const cutoff = now - windowMs;
    const capacity = this.times.length;
    while (this.size > 0 && this.times[this.head] <= cutoff) {
      this.head = this.head + 1 === capacity ? 0 : this.head + 1;
      this.size--;
    }
    return this.size;
  }

  /** The oldest admission still logged; call `prune` first. */
  oldest(): number {
    return this.times[this.head];
  }

  /** Whether an admission is still inside the window at `now`: dropping this log would forget it. */
  isLive(now: number): boolean {
    if (this.size === 0) return false;
    const last = this.head + this.size - 1;
    return this.times[last >= this.times.length ? last - this.times.length : last] > now - this.windowMs;
  }

  /** Records an admission; callers must have checked `size < limit` via `prune`. */
  push(now: number): void {
    if (this.size === this.times.length) this.grow();
    const capacity = this.times.length;
    const tail = this.head + this.size;
    this.times[tail >= capacity ? tail - capacity : tail] = now;
    this.size++;
  }

  /** Bytes held by the ring (for memory accounting). */
  get byteLength(): number {
    return this.times.byteLength;
  }

  private grow(): void {
    const next = new Float64Array(Math.min(this.limit, this.times.length * 2));
    for (let i = 0; i < this.size; i++) {
      const at = this.head + i;
      next[i] = this.times[at >= this.times.length ? at - this.times.length : at];
    }
    this.times = next;
    this.head = 0;
  }
}
