/**
 * One time limit shared by many waits (every master's connection, every script load of a boot), kept
 * as a plain set of callbacks rather than listeners on an `AbortSignal`: a signal warns
 * (`MaxListenersExceededWarning`) past 10 listeners, which a cluster of 3 masters and 3 scripts
 * already reaches, and a wait that settles first must let go of its callback anyway.
 *
 * @example
 * const deadline = new Deadline(5_000);
 * try {
 *   await Promise.all(masters.map((node) => deadline.race(node.script('LOAD', lua))));
 * } finally {
 *   deadline.end(); // clears the timer; waits still pending reject
 * }
 */
export class Deadline {
  /** True once the time ran out (not when {@link end} stopped it first). */
  expired = false;
  private over = false;
  private readonly timer: NodeJS.Timeout;
  private readonly waiters = new Set<() => void>();

  constructor(ms: number) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.finish();
    }, ms);
  }

  /** True once the time ran out or {@link end} was called. */
  get isOver(): boolean {
    return this.over;
  }

  /** Waits still registered (each removes itself when it settles). */
  get pending(): number {
    return this.waiters.size;
  }

  /**
   * Calls `onOver` once, when the time runs out or {@link end} is called (at once if that already
   * happened). Returns the cancel, which a wait calls when it settles by itself.
   */
  whenOver(onOver: () => void): () => void {
    if (this.over) {
      onOver();
      return () => undefined;
    }
    this.waiters.add(onOver);
    return () => void this.waiters.delete(onOver);
  }

  /** `promise`, or a rejection (`not ready in time`) if the deadline comes first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = this.whenOver(() => reject(new Error('not ready in time')));
      promise.then(
        (value) => (cancel(), resolve(value)),
        (error: unknown) => (cancel(), reject(error)),
      );
    });
  }

  /** Clears the timer and releases every pending wait (they reject). */
  end(): void {
    clearTimeout(this.timer);
    this.finish();
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }
}
