import type { Cluster, Redis } from 'ioredis';
import type { StoreTime } from '../clock';
import { hashTag } from '../storage/store-key';
import type { ThrottleRule } from '../storage/throttle-storage';
import { DECIDE_BATCH_COMMAND, DECIDE_BATCH_SCRIPT } from './batch.script';
import type { ScriptResult } from './cross-slot';
import { pushRuleArgs, stateOf } from './script-reply';

/** Requests per script call at most: bounds how long one call holds Redis (and its reply's size). */
export const MAX_BATCH_REQUESTS = 128;

interface Pending {
  readonly rules: readonly ThrottleRule[];
  readonly sequence: string;
  resolve(result: ScriptResult): void;
  reject(error: unknown): void;
}

/**
 * Sends the decisions that arrive in one event-loop turn to Redis as one script call
 * ({@link DECIDE_BATCH_SCRIPT}), in arrival order, and hands each request its own result from the
 * one reply. The queue is flushed on `setImmediate`: after the poll phase, so the requests of every
 * socket read in that turn share the call (`process.nextTick` would flush after each socket's callback).
 * On a Cluster, the requests are grouped by hash tag (all keys of one call must share a slot); each
 * request's rules must share one tag (the store sends cross-slot requests another way, after a {@link flush}).
 * A failed call rejects each of its requests with the call's error.
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
    const time = this.options.storeTime;
    if (time) {
      // A test clock may move between two calls of one turn: one batch per reading, in order.
      const nowUs = String(Math.round(time.now() * 1000));
      if (this.queue.length > 0 && nowUs !== this.queueNowUs) this.flush();
      this.queueNowUs = nowUs;
    }
    return new Promise<ScriptResult>((resolve, reject) => {
      this.queue.push({ rules, sequence, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
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
      for (const pending of batch) pending.reject(error);
      return;
    }
    const rejectAll = (error: unknown) => batch.forEach((pending) => pending.reject(error)); // no-op for those already settled
    reply.then((numbers) => {
      try {
        settle(batch, numbers);
      } catch (error) {
        rejectAll(error); // a malformed reply fails its requests instead of leaving them to the store timeout
      }
    }, rejectAll);
  }
}

/** Hands each request its result: the reply is `now`, then per request `allowed` and 4 numbers per rule. */
function settle(batch: readonly Pending[], reply: number[]): void {
  const nowUs = reply[0];
  let at = 1;
  for (const pending of batch) {
    const allowed = reply[at] === 1;
    const states = pending.rules.map((rule, i) => stateOf(rule, allowed, reply, at + 1 + 4 * i));
    pending.resolve({ allowed, nowUs, states });
    at += 1 + 4 * pending.rules.length;
  }
}
