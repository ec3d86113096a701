import type { Cluster, Redis } from 'ioredis';
import { withTimeout } from '../storage/resilient/store-timeout';
import type { ThrottleDecision, ThrottleRequest, ThrottleRule } from '../storage/throttle-storage';
import type { ScriptBatcher } from './batch';
import type { CrossSlotConsumer, ScriptResult } from './cross-slot';
import { runThenWait } from './replica-wait';
import { RECORD_MODE_ARG, RecordMode } from './decide.script';
import type { RedisThrottleStorageOptions } from './redis-storage-options';
import { pushRuleArgs, stateOf } from './script-reply';
import { groupBySlot } from './slot-groups';

/**
 * How `RedisThrottleStorage` sends a decision to Redis: by slot group on a cluster when the rules span
 * several slots (see `CrossSlotConsumer`), queued for the turn's one batch script call (see `ScriptBatcher`),
 * or as its own one-request script call (corked on a single Redis; followed by `WAIT` with `replicaWait`).
 */
export class DecideDispatch {
  private sequence = 0;
  private corked = false;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly instanceId: string,
    private readonly keyPrefix: string,
    private readonly options: RedisThrottleStorageOptions,
    private readonly crossSlot: CrossSlotConsumer | undefined,
    private readonly batcher: ScriptBatcher | undefined,
  ) {}

  /** A store error (even one thrown at once) is a rejection, as from an async function. */
  decide(request: ThrottleRequest, timeoutMs: number | undefined): Promise<ThrottleDecision> {
    try {
      return this.decideNow(request, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private decideNow(request: ThrottleRequest, timeoutMs: number | undefined): Promise<ThrottleDecision> {
    const rules = request.rules;
    const crossSlot = this.crossSlot;
    const groups = crossSlot ? groupBySlot(rules, this.keyPrefix) : undefined;
    const batcher = this.batcher;
    let decided: Promise<ThrottleDecision>;
    if (crossSlot && groups) {
      batcher?.flush(); // the requests queued before this one reach their slots first
      decided = crossSlot.consume(rules, groups, this.nextSuffix());
    } else if (batcher) {
      const sequence = this.nextSequence();
      return new Promise((resolve, reject) =>
        batcher.enqueue(
          rules,
          sequence,
          (error, result) => (result !== undefined ? resolve({ allowed: result.allowed, states: result.states }) : reject(error)),
          timeoutMs,
        ),
      );
    } else decided = this.run(rules, this.nextSuffix(), 'record').then((result) => ({ allowed: result.allowed, states: result.states }));
    return timeoutMs === undefined ? decided : withTimeout(decided, timeoutMs);
  }

  /** The decision `RedisThrottleStorage.consume` would give, recording nothing: the same script, check only (keys of one slot). */
  async peek(request: ThrottleRequest): Promise<ThrottleDecision> {
    const result = await this.run(request.rules, this.nextSuffix(), 'check');
    return {
      allowed: result.allowed,
      states: request.rules.map((rule, i) => stateOf(rule, result.allowed, result.reply ?? [], 2 + 4 * i)),
    };
  }

  async run(rules: readonly ThrottleRule[], suffix: string, mode: RecordMode): Promise<ScriptResult> {
    const args: (string | number)[] = rules.map((rule) => rule.key);
    const time = this.options.storeTime;
    args.push(time ? String(Math.round(time.now() * 1000)) : '', suffix, time ? time.ttlSlackMs : 0, RECORD_MODE_ARG[mode]);
    for (const rule of rules) pushRuleArgs(args, rule);
    const reply = await this.send(rules.length, args);
    const allowed = reply[0] === 1;
    const admitted = allowed && mode !== 'check'; // a check-only run serves a request another slot group refused
    const states = rules.map((rule, i) => stateOf(rule, admitted, reply, 2 + 4 * i));
    return { allowed, nowUs: reply[1], states, reply };
  }

  /**
   * Runs the one-request script (cross-slot groups; every request when batching is off). On a single Redis, the socket is corked for the rest of the event-loop turn, so
   * the calls of requests that arrived together leave in one write instead of one syscall each. Each
   * call is still its own script: atomicity per request is unchanged. (Cluster clients send directly.)
   */
  private send(numKeys: number, args: (string | number)[]): Promise<number[]> {
    if (this.options.replicaWait) return runThenWait(this.client, this.options.replicaWait, numKeys, args);
    if (this.crossSlot === undefined && !this.corked) {
      const stream = (this.client as Redis & { stream?: { cork?(): void; uncork?(): void; writable?: boolean } }).stream;
      if (stream?.writable && typeof stream.cork === 'function') {
        stream.cork();
        this.corked = true;
        setImmediate(() => {
          this.corked = false;
          stream.uncork?.();
        });
      }
    }
    return this.client.throttleDecide(numKeys, ...args);
  }

  private nextSuffix(): string {
    return `${this.instanceId}:${this.nextSequence()}`;
  }

  /** A request's sequence number (base 36), unique within this store instance. */
  private nextSequence(): string {
    this.sequence = (this.sequence + 1) % Number.MAX_SAFE_INTEGER;
    return this.sequence.toString(36);
  }
}
