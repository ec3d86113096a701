/**
 * The requests in flight, in send order, with one timer for all their timeouts instead of one
 * timer per request.
 */

/** One request in flight. */
export interface Flight {
  /** Index of the request in the run's records. */
  readonly index: number;
  readonly ctrl: AbortController;
  /** When it times out, in the run's clock (ms from the start). */
  readonly deadline: number;
  settled: boolean;
  /** Set when we abort it: the error class to record. */
  reason: 'timeout' | 'aborted' | null;
}

/**
 * Flights share one timeout and are added in send order, so the oldest unsettled flight always
 * has the earliest deadline: a single timer, re-armed for that flight, is enough.
 */
export class FlightQueue {
  private items: Flight[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  /** @param now the run's clock, ms from the start. */
  constructor(private readonly now: () => number) {}

  /** Adds a flight just sent. */
  add(flight: Flight): void {
    this.items.push(flight);
    if (this.timer === undefined) this.arm();
  }

  /** The flights not settled yet, oldest first. */
  unsettled(): Flight[] {
    return this.items.slice(this.head).filter((f) => !f.settled);
  }

  /** Stops the timer (the run is over). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    while (this.head < this.items.length && this.items[this.head].settled) this.head++;
    if (this.head > 4_096 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    if (this.head >= this.items.length) {
      this.timer = undefined;
      return;
    }
    const wait = Math.max(1, Math.ceil(this.items[this.head].deadline - this.now()));
    this.timer = setTimeout(() => this.sweep(), wait);
  }

  /** Aborts every flight past its deadline (recorded as `timeout`), then re-arms. */
  private sweep(): void {
    const at = this.now();
    while (this.head < this.items.length) {
      const f = this.items[this.head];
      if (!f.settled && f.deadline > at) break;
      if (!f.settled) {
        f.reason = 'timeout';
        f.ctrl.abort();
      }
      this.head++;
    }
    this.arm();
  }
}
