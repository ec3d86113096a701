import type { Cluster, Redis } from 'ioredis';
import type { ThrottleRule } from '../storage/throttle-storage';
import { keySlot } from './key-slot';

/** How often the slot table is asked again while a master is failing (a failover completes within this of being known). */
export const FAILING_REFRESH_MS = 100;

/** Told when a failing master's requests may go to the store again: `gone` when it serves no slot any more. */
export type ShardListener = (shard: string, reason: string, gone: boolean) => void;

/**
 * The masters (shards) of a Redis Cluster as the failure policy sees them (issue 23): which master
 * decides a request ({@link shardOf}: the `host:port` serving its keys' slots, from the client's slot
 * table), and when a failing one is usable again. After a node error ({@link failed}) the slot table is
 * refreshed at once and then every {@link FAILING_REFRESH_MS} while any master is failing (not on
 * ioredis's 5 s `slotsRefreshInterval`); after each refresh a failing master that serves no slot any
 * more is reported `gone` (its replica was promoted: requests now map to the new master), and one that
 * still does is asked `CLUSTER INFO` and reported back once it answers `cluster_state:ok` (restarted in
 * place, or a cluster that refused every key while a master was marked failed is whole again).
 *
 * @example
 * const shards = new ClusterShards(cluster, 'throttle:');
 * shards.watch((shard, reason, gone) => breakers.close(shard, reason));
 * shards.shardOf([{ key: 'api_key:{abc}', limit: 5, windowMs: 60_000 }]); // '10.0.0.7:6379'
 */
export class ClusterShards {
  private readonly failing = new Set<string>();
  private readonly asking = new Set<string>();
  private listeners: ShardListener[] = [];
  private timer?: NodeJS.Timeout;
  private readonly onRefreshed = () => this.onRefresh();
  private readonly onEnd = () => this.stopTimer();

  constructor(
    private readonly cluster: Cluster,
    private readonly keyPrefix: string,
  ) {
    cluster.on('refresh', this.onRefreshed);
    cluster.on('end', this.onEnd);
  }

  /** Stops asking and removes this object's listeners from the client (which may be the app's, and outlive the store). */
  close(): void {
    this.stopTimer();
    this.listeners = [];
    this.cluster.off('refresh', this.onRefreshed);
    this.cluster.off('end', this.onEnd);
  }

  /** The master serving the rules' keys (several, comma-separated, when they span masters); '' while the slot table is unknown. */
  shardOf(rules: readonly ThrottleRule[]): string {
    const slots = this.cluster.slots;
    let shard = '';
    for (let i = 0; i < rules.length; i++) {
      const master = slots[keySlot(this.keyPrefix + rules[i].key)]?.[0] ?? '';
      if (i === 0) shard = master;
      else if (!shard.split(',').includes(master)) shard += `,${master}`;
    }
    return shard;
  }

  /** A call on `shard` failed: learn the slot owners now, and keep asking until it is back or gone. */
  failed(shard: string): void {
    this.failing.add(shard);
    this.refresh();
    this.timer ??= setInterval(() => this.refresh(), FAILING_REFRESH_MS).unref();
  }

  /** Subscribes to failing masters that are usable again; returns the unsubscribe. */
  watch(listener: ShardListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => void (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  private refresh(): void {
    if (this.cluster.status === 'ready') this.cluster.refreshSlotsCache(); // one at a time: ioredis skips it while one runs
  }

  private onRefresh(): void {
    if (this.failing.size === 0) return;
    const masters = new Set(this.cluster.slots.map((keys) => keys?.[0]));
    for (const shard of this.failing) {
      const lost = shard.split(',').filter((node) => !masters.has(node));
      if (lost.length > 0) this.settle(shard, `failed over: ${lost.join(', ')} serves no slot any more, its slots have a new master`, true);
      else this.askEach(shard);
    }
  }

  /** Asks every master of `shard` for `CLUSTER INFO` (connecting it if needed); reports it back once all answer. */
  private askEach(shard: string): void {
    if (this.asking.has(shard)) return;
    const nodes = shard.split(',').map((key) => this.nodeOf(key));
    if (nodes.some((node) => node === undefined)) return;
    this.asking.add(shard);
    Promise.all(nodes.map((node) => node!.cluster('INFO')))
      .then(
        // A master of a cluster that is down (cluster_state:fail) answers, but refuses every key.
        (infos) => infos.every((info) => String(info).includes('cluster_state:ok')) && this.settle(shard, 'master answers again', false),
        () => undefined,
      )
      .finally(() => this.asking.delete(shard));
  }

  private settle(shard: string, reason: string, gone: boolean): void {
    if (!this.failing.delete(shard)) return;
    if (this.failing.size === 0) this.stopTimer();
    for (const listener of this.listeners) listener(shard, reason, gone);
  }

  private nodeOf(key: string): Redis | undefined {
    return this.cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === key);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
