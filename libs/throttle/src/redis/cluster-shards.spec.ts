import { EventEmitter } from 'node:events';
import type { Cluster } from 'ioredis';
import { ClusterShards, FAILING_REFRESH_MS } from './cluster-shards';
import { keySlot } from './key-slot';

const A = '127.0.0.1:7001';
const B = '127.0.0.1:7002';
const A_REPLICA = '127.0.0.1:7004';

/** A Cluster stand-in: its slot table, its masters (answering CLUSTER INFO or not), and the refreshes asked of it. */
class FakeCluster extends EventEmitter {
  status = 'ready';
  slots: string[][] = Array.from({ length: 16384 }, (_, slot) => [slot < 8192 ? A : B]);
  refreshes = 0;
  answering = new Set([A, B]);
  state = 'ok';
  refreshSlotsCache(): void {
    this.refreshes += 1;
  }
  nodes(): { options: { host: string; port: number }; cluster(): Promise<string> }[] {
    return [A, B, A_REPLICA].map((key) => ({
      options: { host: '127.0.0.1', port: Number(key.split(':')[1]) },
      cluster: () => (this.answering.has(key) ? Promise.resolve(`cluster_state:${this.state}`) : Promise.reject(new Error('ECONNREFUSED'))),
    }));
  }
  /** What ioredis does after a successful CLUSTER SLOTS: the table is updated, then 'refresh' is emitted. */
  refreshed(master: (slot: number) => string): void {
    this.slots = this.slots.map((_, slot) => [master(slot)]);
    this.emit('refresh');
  }
}

/** A key whose slot is below 8192 (on A) or not (on B). */
function keyOn(master: string): string {
  for (let i = 0; ; i++) if (keySlot(`throttle:k:{${i}}`) < 8192 === (master === A)) return `k:{${i}}`;
}
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ClusterShards (issue 23)', () => {
  let cluster: FakeCluster;
  let shards: ClusterShards;
  let told: [string, string, boolean][];
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    cluster = new FakeCluster();
    shards = new ClusterShards(cluster as unknown as Cluster, 'throttle:');
    told = [];
    shards.watch((shard, reason, gone) => told.push([shard, reason, gone]));
  });
  afterEach(() => {
    cluster.emit('end');
    jest.useRealTimers();
  });

  it('names the master serving a request, and every master when its keys span several', () => {
    const rule = (key: string) => ({ key, limit: 5, windowMs: 60_000 });
    expect(shards.shardOf([rule(keyOn(A))])).toBe(A);
    expect(shards.shardOf([rule(keyOn(B)), rule(keyOn(A)), rule(keyOn(B))])).toBe(`${B},${A}`);
  });

  it('refreshes the slot table on the first failure, then every 100 ms while a master is failing, not every 5 s', () => {
    shards.failed(A);
    expect(cluster.refreshes).toBe(1);
    jest.advanceTimersByTime(FAILING_REFRESH_MS * 5);
    expect(cluster.refreshes).toBe(6);
  });

  it('reports a failing master gone once its slots have a new master, and stops refreshing', async () => {
    cluster.answering.delete(A);
    shards.failed(A);
    cluster.refreshed((slot) => (slot < 8192 ? A : B)); // not promoted yet
    await flush();
    expect(told).toEqual([]);
    cluster.refreshed((slot) => (slot < 8192 ? A_REPLICA : B));
    expect(told).toEqual([[A, `failed over: ${A} serves no slot any more, its slots have a new master`, true]]);
    expect(shards.shardOf([{ key: keyOn(A), limit: 5, windowMs: 60_000 }])).toBe(A_REPLICA);
    const refreshes = cluster.refreshes;
    jest.advanceTimersByTime(FAILING_REFRESH_MS * 5);
    expect(cluster.refreshes).toBe(refreshes);
  });

  it('reports a failing master back once it answers cluster_state:ok again in place', async () => {
    cluster.answering.delete(A);
    shards.failed(A);
    cluster.refreshed((slot) => (slot < 8192 ? A : B));
    await flush();
    expect(told).toEqual([]);
    cluster.answering.add(A);
    cluster.state = 'fail'; // it answers, but the cluster still refuses every key
    cluster.refreshed((slot) => (slot < 8192 ? A : B));
    await flush();
    expect(told).toEqual([]);
    cluster.state = 'ok';
    cluster.refreshed((slot) => (slot < 8192 ? A : B));
    await flush();
    expect(told).toEqual([[A, 'master answers again', false]]);
  });
});
