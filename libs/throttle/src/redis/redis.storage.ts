import { randomBytes } from 'node:crypto';
import { Logger, LoggerService } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { StoreTime } from '../clock';
import type { ReplicaWait } from './config/wait-replicas';
import { withTimeout } from '../storage/resilient/store-timeout';
import { StorageHealth, ThrottleDecision, ThrottleRequest, ThrottleRule, ThrottleStorage } from '../storage/throttle-storage';
import { ScriptBatcher } from './batch';
import { closeOwnedClient } from './close-client';
import { DECIDE_BATCH_SCRIPT } from './batch.script';
import { ClusterShards, ShardListener } from './cluster-shards';
import { CrossSlotConsumer, ScriptResult } from './cross-slot';
import type { RedisConnection } from './redis-connection';
import { RedisReadiness } from './redis-readiness';
import { runThenWait } from './replica-wait';
import { servingNode } from './serving-node';
import { RECORD_MODE_ARG, RecordMode, DECIDE_COMMAND, DECIDE_SCRIPT } from './decide.script';
import { pushRuleArgs, stateOf } from './script-reply';
import { groupBySlot } from './slot-groups';
import { WITHDRAW_SCRIPT } from './withdraw.script';
import { REFUND_COMMAND, REFUND_SCRIPT } from './refund.script';
import { blockOnRedis, refundOnRedis, resetOnRedis } from './redis-controls';
import { BLOCK_COMMAND, BLOCK_SCRIPT } from './block.script';
import { ForgetChannel, ForgetListener } from './forget-channel';

/** Options of {@link RedisThrottleStorage}. */
export interface RedisThrottleStorageOptions {
  /**
   * Read time from this clock instead of Redis `TIME` (see `ThrottleClock.storeTime`: only test clocks
   * offer one). Production leaves it unset: one clock (Redis) keeps replicas with skewed clocks in agreement.
   */
  storeTime?: StoreTime;
  /** Whether the store quits the client in {@link close}. Default false (app-owned). */
  ownsClient?: boolean;
  /** Where a failed cross-slot withdrawal is logged (once per run of failures). Default: Nest's `Logger`, context `Throttle`. */
  logger?: LoggerService;
  /**
   * Whether the requests of one event-loop turn go to Redis as one script call (default true; see
   * `ScriptBatcher`). `false` sends one call per request, as before batching (the bench compares both).
   */
  batching?: boolean;
  /**
   * `WAIT replicas timeoutMs` pipelined behind every script (see replica-wait.ts). Default off. Each
   * request then gets its own script call and WAIT (no batching: a batch would share one WAIT).
   */
  replicaWait?: ReplicaWait;
}

/**
 * The shared store: per sliding-log key a sorted set holding its admission log (one member per unit of
 * cost), per GCRA key a string holding its theoretical arrival time (µs), and one Lua script call per
 * event-loop turn deciding each request that arrived in it (all its rules atomically, requests in arrival
 * order; see `ScriptBatcher`) with Redis `TIME` as the clock. Works with `Redis` and `Cluster`.
 * Keys get the client's `keyPrefix`. On a cluster, rules whose keys hash to different slots (scopes
 * with different identities on one route) are decided slot group by slot group, and the admission is
 * withdrawn from earlier groups when a later one refuses: never over-admits, briefly holds a slot
 * (see `CrossSlotConsumer`).
 * Errors propagate: `ThrottleModule` wraps it (built from `redis`, or passed as `storage`) in
 * `ResilientThrottleStorage` for timeouts and the failure policy.
 * Needs Redis >= 5 (scripts replicated by effects, so a script may read `TIME` and then write).
 *
 * @example
 * const storage = new RedisThrottleStorage(new Redis({ keyPrefix: 'throttle:', enableOfflineQueue: false }));
 * await storage.consume({ rules: [{ key: 'hi:{abc}', limit: 60, windowMs: 60_000 }] });
 */
export class RedisThrottleStorage extends ThrottleStorage {
  /** Shared: `ThrottleModule` puts it behind `onStoreError`, `storeTimeoutMs` and the rest of the failure policy, even when the app builds it. */
  override readonly shared = true;
  private readonly instanceId = randomBytes(6).toString('base64url');
  private sequence = 0;
  private corked = false;
  private readonly keyPrefix: string;
  private readonly crossSlot?: CrossSlotConsumer;
  private readonly shards?: ClusterShards;
  private readonly readiness: RedisReadiness;
  private readonly batcher?: ScriptBatcher;
  private readonly forget: ForgetChannel;

  constructor(
    readonly client: Redis | Cluster,
    private readonly options: RedisThrottleStorageOptions = {},
  ) {
    super();
    client.defineCommand(DECIDE_COMMAND, { lua: DECIDE_SCRIPT });
    client.defineCommand(REFUND_COMMAND, { lua: REFUND_SCRIPT });
    client.defineCommand(BLOCK_COMMAND, { lua: BLOCK_SCRIPT });
    this.keyPrefix = String(client.options.keyPrefix ?? '');
    this.forget = new ForgetChannel(client, this.keyPrefix);
    if ((client as Cluster).isCluster === true) {
      const run = (rules: readonly ThrottleRule[], suffix: string, mode: RecordMode) => this.run(rules, suffix, mode);
      this.crossSlot = new CrossSlotConsumer(client as Cluster, run, options.storeTime, options.logger ?? new Logger('Throttle'));
      this.shards = new ClusterShards(client as Cluster, this.keyPrefix);
    }
    // Every script this store may run is loaded at boot and after each reconnection.
    const scripts = [
      DECIDE_SCRIPT,
      REFUND_SCRIPT,
      BLOCK_SCRIPT,
      ...(this.crossSlot ? [WITHDRAW_SCRIPT] : []),
      ...(options.batching !== false && options.replicaWait === undefined ? [DECIDE_BATCH_SCRIPT] : []),
    ];
    this.readiness = new RedisReadiness(client, scripts);
    if (options.batching !== false && options.replicaWait === undefined) {
      const batchOptions = { cluster: this.crossSlot !== undefined, keyPrefix: this.keyPrefix, storeTime: options.storeTime };
      this.batcher = new ScriptBatcher(client, this.instanceId, batchOptions);
    }
  }

  /** A store over a `RedisConnection`; quits the client on {@link close} when the connection is owned. */
  static fromConnection(connection: RedisConnection, options: RedisThrottleStorageOptions = {}): RedisThrottleStorage {
    return new RedisThrottleStorage(connection.client, { ...options, ownsClient: connection.owned });
  }

  /** Cross-slot withdrawals lost since start (failed, timed out or too late): each over-counts one key by one. */
  get withdrawFailures(): number {
    return this.crossSlot?.withdrawFailures ?? 0;
  }

  override health(): StorageHealth {
    const state = this.client.status === 'ready' ? 'ok' : 'degraded';
    return { store: 'redis', state, status: this.client.status, ...servingNode(this.client) };
  }

  consume(request: ThrottleRequest): Promise<ThrottleDecision> {
    return this.decide(request, undefined);
  }

  /** A store error (even one thrown at once) is a rejection, as from an async function. */
  private decide(request: ThrottleRequest, timeoutMs: number | undefined): Promise<ThrottleDecision> {
    try {
      return this.decideNow(request, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link consume}, rejecting with a `StoreTimeoutError` when Redis takes longer than `timeoutMs` (the
   * failure policy's store timeout): a batched request shares its call's one timer, and gets one promise.
   */
  consumeWithin(request: ThrottleRequest, timeoutMs: number): Promise<ThrottleDecision> {
    if (this.consume !== RedisThrottleStorage.prototype.consume) return withTimeout(this.consume(request), timeoutMs); // a subclass's own
    return this.decide(request, timeoutMs);
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

  /** The decision {@link consume} would give, recording nothing: the same script, check only (keys of one slot). */
  override async peek(request: ThrottleRequest): Promise<ThrottleDecision> {
    const result = await this.run(request.rules, this.nextSuffix(), 'check');
    return {
      allowed: result.allowed,
      states: request.rules.map((rule, i) => stateOf(rule, result.allowed, result.reply ?? [], 2 + 4 * i)),
    };
  }

  /** Takes back each rule's newest `cost` units (see {@link ThrottleStorage.refund}): one script, keys of one slot. */
  override async refund(request: ThrottleRequest): Promise<number[]> {
    const taken = await refundOnRedis(this.client, request, this.options.storeTime);
    await this.forget.publish(request.rules.filter((_, i) => taken[i] > 0).map((rule) => rule.key));
    return taken;
  }

  /** Deletes the keys (one identity's), then tells every instance's deny cache (see `ForgetChannel`). */
  override async reset(keys: readonly string[]): Promise<void> {
    await resetOnRedis(this.client, keys);
    await this.forget.publish(keys);
  }

  /** Blocks the keys for `blockMs` (see {@link ThrottleStorage.block}): one script, keys of one slot. */
  override block(request: ThrottleRequest, blockMs: number): Promise<number[]> {
    return blockOnRedis(this.client, request, blockMs, this.options.storeTime);
  }

  /** Calls `listener` with keys another instance (or this one) refunded or reset; opens the subscription (see `ForgetChannel`). */
  override watchForgotten(listener: ForgetListener): () => void {
    return this.forget.watch(listener);
  }

  /**
   * Connects the client if it is idle, then waits until the store can decide at once: connected, on a
   * cluster every master too, and the script loaded on each (see `RedisReadiness`). Rejects after
   * `waitMs`, naming the last connection error; the client keeps reconnecting.
   */
  open(waitMs?: number): Promise<void> {
    return this.readiness.open(waitMs);
  }

  /** Calls `listener` each time the client is ready again after a reconnection, script reloaded; returns the unsubscribe. */
  watchReady(listener: () => void): () => void {
    return this.readiness.watch(listener);
  }

  /** On a cluster, the master (`host:port`) serving the request's keys (see `ClusterShards`); '' on a single node. */
  shardOf(request: ThrottleRequest): string {
    return this.shards?.shardOf(request.rules) ?? '';
  }

  /** A call on `shard` failed: a cluster learns its slot owners now, and again until the master is back or gone. */
  shardFailed(shard: string): void {
    this.shards?.failed(shard);
  }

  /** Calls `listener` when a failing cluster master answers again, or is `gone` (its slots have a new master). */
  watchShards(listener: ShardListener): () => void {
    return this.shards?.watch(listener) ?? (() => undefined);
  }

  /**
   * Closes an owned client completely and waits for it (see `closeOwnedClient`: QUIT when ready,
   * bounded; at once when Redis is down; the sentinel subscriptions too); leaves app clients alone.
   */
  async close(): Promise<void> {
    this.shards?.close();
    this.forget.close();
    if (this.options.ownsClient) await closeOwnedClient(this.client);
  }

  private async run(rules: readonly ThrottleRule[], suffix: string, mode: RecordMode): Promise<ScriptResult> {
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
