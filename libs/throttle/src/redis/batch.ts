import type { Cluster, Redis } from 'ioredis';
import type { StoreTime } from '../clock';
import { hashTag } from '../storage/store-key';
import { StoreTimeoutError } from '../storage/resilient/store-timeout';
import type { RuleState, ThrottleRule } from '../storage/throttle-storage';
import { DECIDE_BATCH_COMMAND, DECIDE_BATCH_SCRIPT } from './batch.script';
import type { ScriptResult } from './cross-slot';
import { pushRuleArgs, stateOf } from './script-reply';

/** Requests per script call at most: bounds how long one call holds Redis (and its reply's size). */
export const MAX_BATCH_REQUESTS = 128;

/** Called once per request: with its result, or with the error of its batch (the call's, or a {@link StoreTimeoutError}). */
export type BatchCallback = (error: unknown, result?: ScriptResult) => void;

interface Pending {
  readonly rules: readonly ThrottleRule[];
  readonly sequence: string;
  readonly done: BatchCallback;
  /** How long the request waits for the reply, at most; undefined: as long as the client does. */
  readonly timeoutMs: number | undefined;
}

/**
 * Sends the decisions that arrive in one event-loop turn to Redis as one script call
 * ({@link DECIDE_BATCH_SCRIPT}), in arrival order, and hands each request its own result from the
 * one reply. The queue is flushed on `setImmediate`: after the poll phase, so the requests of every
 * socket read in that turn share the call (`process.nextTick` would flush after each socket's callback).
 * On a Cluster, the requests are grouped by hash tag (all keys of one call must share a slot); each
 * request's rules must share one tag (the store sends cross-slot requests another way, after a {@link flush}).
 * A failed call rejects each of its requests with the call's error. Per call there is one reply promise
 * (ioredis's) and at most one timer, the shortest time limit its requests gave ({@link enqueue}): no
 * promise, timer or closure per request beyond its callback.
 *
 * @example
 * const batcher = new ScriptBatcher(client, 'a1', { cluster: false, keyPrefix: 'throttle:' });
 * const result = await batcher.decide([{ key: 'hi:{abc}', limit: 60, windowMs: 60_000 }], '7');
 */
export class ScriptBatcher {
  private queue: Pending[] = [];
  /** The test clock's reading (µs) shared by the queued requests; undefined in production (Redis TIME). */
  private queueNowUs?: string;
  private scheduled = false;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly instanceId: string,
    private readonly options: { readonly cluster: boolean; readonly keyPrefix: string; readonly storeTime?: StoreTime },
  ) {
    client.defineCommand(DECIDE_BATCH_COMMAND, { lua: DECIDE_BATCH_SCRIPT });
  }

  /** Queues one request (its rules decided atomically, recorded when admitted); `sequence` makes its member unique. */
  decide(rules: readonly ThrottleRule[], sequence: string): Promise<ScriptResult> {
    return new Promise<ScriptResult>((resolve, reject) =>
      this.enqueue(rules, sequence, (error, result) => (result !== undefined ? resolve(result) : reject(error))),
    );
  }

  /**
   * Queues one request and calls `done` once with its result. With `timeoutMs`, `done` gets a
   * {@link StoreTimeoutError} when the reply takes longer, counted from the call's sending.
   */
  enqueue(rules: readonly ThrottleRule[], sequence: string, done: BatchCallback, timeoutMs?: number): void {
    const time = this.options.storeTime;
    if (time) {
      // A test clock may move between two calls of one turn: one batch per reading, in order.
      const nowUs = String(Math.round(time.now() * 1000));
      if (this.queue.length > 0 && nowUs !== this.queueNowUs) this.flush();
      this.queueNowUs = nowUs;
    }
    this.queue.push({ rules, sequence, done, timeoutMs });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Sends the queued requests now (the store calls it before a cross-slot request, which must not overtake them). */
  readonly flush = (): void => {
    this.scheduled = false;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    const nowArg = this.queueNowUs ?? '';
    for (const group of this.options.cluster ? this.byHashTag(queue) : [queue]) {
      for (let at = 0; at < group.length; at += MAX_BATCH_REQUESTS) this.send(group.slice(at, at + MAX_BATCH_REQUESTS), nowArg);
    }
  };

  private byHashTag(queue: readonly Pending[]): Pending[][] {
    const groups = new Map<string, Pending[]>();
    for (const pending of queue) {
      const tag = hashTag(this.options.keyPrefix + pending.rules[0].key);
      const group = groups.get(tag);
      if (group) group.push(pending);
      else groups.set(tag, [pending]);
    }
    return [...groups.values()];
  }

  private send(batch: readonly Pending[], nowArg: string): void {
    const keys: string[] = [];
    const args: (string | number)[] = [nowArg, this.instanceId, this.options.storeTime?.ttlSlackMs ?? 0];
    for (const { rules, sequence } of batch) {
      args.push(sequence, rules.length);
      for (const rule of rules) {
        keys.push(rule.key);
        pushRuleArgs(args, rule);
      }
    }
    let reply: Promise<number[]>;
    try {
      reply = this.client.throttleDecideBatch(keys.length, ...keys, ...args);
    } catch (error) {
      for (const pending of batch) pending.done(error);
      return;
    }
    new BatchCall(batch).await(reply);
  }
}

/** One script call's requests: settled by its reply, or (those that gave a time limit) by its one timer. */
class BatchCall {
  private timer?: NodeJS.Timeout;
  /** The reply (or the call's error) arrived. */
  private answered = false;
  private timedOut = false;

  constructor(private readonly batch: readonly Pending[]) {}

  await(reply: Promise<number[]>): void {
    let timeoutMs = Infinity;
    for (const pending of this.batch) if (pending.timeoutMs !== undefined && pending.timeoutMs < timeoutMs) timeoutMs = pending.timeoutMs;
    // As withTimeout: the expiry waits for the next I/O poll, so a reply already in the socket still wins.
    if (timeoutMs !== Infinity) this.timer = setTimeout(() => setImmediate(() => this.expire(timeoutMs)), timeoutMs);
    reply.then(this.settle, (error: unknown) => this.fail(error, 0));
  }

  /** Hands each request its result: the reply is `now`, then per request `allowed` and 4 numbers per rule. */
  private readonly settle = (reply: number[]): void => {
    let k = 0;
    try {
      const nowUs = reply[0];
      let at = 1;
      for (; k < this.batch.length; k++) {
        const { rules, done } = this.batch[k];
        const allowed = reply[at] === 1;
        if (this.waits(this.batch[k])) {
          const states = new Array<RuleState>(rules.length);
          for (let i = 0; i < rules.length; i++) states[i] = stateOf(rules[i], allowed, reply, at + 1 + 4 * i);
          done(undefined, { allowed, nowUs, states });
        }
        at += 1 + 4 * rules.length;
      }
      this.end();
    } catch (error) {
      this.fail(error, k); // a malformed reply fails its requests instead of leaving them to the store timeout
    }
  };

  /** Fails the requests from `from` on that still wait. */
  private fail(error: unknown, from: number): void {
    this.end();
    for (let k = from; k < this.batch.length; k++) if (this.waits(this.batch[k])) this.batch[k].done(error);
  }

  private end(): void {
    this.answered = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private expire(timeoutMs: number): void {
    if (this.answered) return;
    this.timedOut = true;
    const error = new StoreTimeoutError(timeoutMs);
    for (const pending of this.batch) if (pending.timeoutMs !== undefined) pending.done(error);
  }

  /** Whether the request still waits for the reply (not failed by the timer). */
  private waits(pending: Pending): boolean {
    return !(this.timedOut && pending.timeoutMs !== undefined);
  }
}
