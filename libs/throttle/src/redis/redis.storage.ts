import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { withTimeout } from '../storage/resilient/store-timeout';
import { StorageHealth, ThrottleDecision, ThrottleRequest, ThrottleRule, ThrottleStorage } from '../storage/throttle-storage';
import { ScriptBatcher } from './batch';
import { closeOwnedClient } from './close-client';
import { DECIDE_BATCH_SCRIPT } from './batch.script';
import { ClusterShards, ShardListener } from './cluster-shards';
import { CrossSlotConsumer } from './cross-slot';
import { DecideDispatch } from './decide-dispatch';
import type { RedisConnection } from './redis-connection';
import { RedisReadiness } from './redis-readiness';
import type { RedisThrottleStorageOptions } from './redis-storage-options';
import { servingNode } from './serving-node';
import { RecordMode, DECIDE_COMMAND, DECIDE_SCRIPT } from './decide.script';
import { WITHDRAW_SCRIPT } from './withdraw.script';
import { REFUND_COMMAND, REFUND_SCRIPT } from './refund.script';
import { blockOnRedis, refundOnRedis, resetOnRedis } from './redis-controls';
import { BLOCK_COMMAND, BLOCK_SCRIPT } from './block.script';
import { ForgetChannel, ForgetListener } from './forget-channel';

export type { RedisThrottleStorageOptions } from './redis-storage-options';

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
  private readonly keyPrefix: string;
  private readonly crossSlot?: CrossSlotConsumer;
  private readonly shards?: ClusterShards;
  private readonly readiness: RedisReadiness;
  private readonly forget: ForgetChannel;
  private readonly dispatch: DecideDispatch;

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
      const run = (rules: readonly ThrottleRule[], suffix: string, mode: RecordMode) => this.dispatch.run(rules, suffix, mode);
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
    let batcher: ScriptBatcher | undefined;
    if (options.batching !== false && options.replicaWait === undefined) {
      const batchOptions = { cluster: this.crossSlot !== undefined, keyPrefix: this.keyPrefix, storeTime: options.storeTime };
      batcher = new ScriptBatcher(client, this.instanceId, batchOptions);
    }
    this.dispatch = new DecideDispatch(client, this.instanceId, this.keyPrefix, options, this.crossSlot, batcher);
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
    return this.dispatch.decide(request, undefined);
  }

  /**
   * {@link consume}, rejecting with a `StoreTimeoutError` when Redis takes longer than `timeoutMs` (the
   * failure policy's store timeout): a batched request shares its call's one timer, and gets one promise.
   */
  consumeWithin(request: ThrottleRequest, timeoutMs: number): Promise<ThrottleDecision> {
    if (this.consume !== RedisThrottleStorage.prototype.consume) return withTimeout(this.consume(request), timeoutMs); // a subclass's own
    return this.dispatch.decide(request, timeoutMs);
  }

  /** The decision {@link consume} would give, recording nothing: the same script, check only (keys of one slot). */
  override peek(request: ThrottleRequest): Promise<ThrottleDecision> {
    return this.dispatch.peek(request);
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
}
