/**
 * Per-request records in growable typed arrays: memory grows with the requests actually sent
 * (about 20 bytes each), never with object churn per request.
 */

/** Outcome code of a request not finished yet. */
export const PENDING = 0;

/** The outcome of one request: an HTTP status, or an error class such as `timeout`. */
export type Outcome = { readonly status: number } | { readonly error: string };

/** The records of one run, indexed by request number (the order of sending). */
export class Records {
  private size = 0;
  private targetOf: Uint16Array;
  private sent: Float64Array;
  private done: Float64Array;
  /** > 0: HTTP status; < 0: -(index into errorNames + 1); 0: pending. */
  private outcome: Int32Array;
  private readonly errorNames: string[] = [];
  private readonly errorIds = new Map<string, number>();

  constructor(expected: number) {
    const capacity = Math.max(16, Math.min(expected, 65_536));
    this.targetOf = new Uint16Array(capacity);
    this.sent = new Float64Array(capacity);
    this.done = new Float64Array(capacity);
    this.outcome = new Int32Array(capacity);
  }

  /** Number of requests recorded (sent). */
  get length(): number {
    return this.size;
  }

  /** Records a request sent to target `target` at `sentMs`; returns its index. */
  add(target: number, sentMs: number): number {
    if (this.size === this.sent.length) this.grow();
    const i = this.size++;
    this.targetOf[i] = target;
    this.sent[i] = sentMs;
    this.done[i] = NaN;
    this.outcome[i] = PENDING;
    return i;
  }

  /** Records that request `i` got HTTP `status` and its body was read by `doneMs`. */
  respond(i: number, doneMs: number, status: number): void {
    this.done[i] = doneMs;
    this.outcome[i] = status;
  }

  /** Records that request `i` failed with error class `error` at `doneMs`. */
  fail(i: number, doneMs: number, error: string): void {
    let id = this.errorIds.get(error);
    if (id === undefined) {
      id = this.errorNames.push(error) - 1;
      this.errorIds.set(error, id);
    }
    this.done[i] = doneMs;
    this.outcome[i] = -(id + 1);
  }

  /** Whether request `i` has an outcome yet. */
  isDone(i: number): boolean {
    return this.outcome[i] !== PENDING;
  }

  /** The target index of request `i`. */
  target(i: number): number {
    return this.targetOf[i];
  }

  /** Send time of request `i`, ms from the start. */
  sentAt(i: number): number {
    return this.sent[i];
  }

  /** Time request `i` finished (response body read, or error), ms from the start; NaN if pending. */
  doneAt(i: number): number {
    return this.done[i];
  }

  /** HTTP status of request `i`, or undefined if it failed or is pending. */
  status(i: number): number | undefined {
    const code = this.outcome[i];
    return code > 0 ? code : undefined;
  }

  /** Error class of request `i`, or undefined if it got a response or is pending. */
  error(i: number): string | undefined {
    const code = this.outcome[i];
    return code < 0 ? this.errorNames[-code - 1] : undefined;
  }

  private grow(): void {
    const capacity = this.sent.length * 2;
    const grow = <T extends Uint16Array | Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.targetOf = grow(this.targetOf, (n) => new Uint16Array(n));
    this.sent = grow(this.sent, (n) => new Float64Array(n));
    this.done = grow(this.done, (n) => new Float64Array(n));
    this.outcome = grow(this.outcome, (n) => new Int32Array(n));
  }
}
