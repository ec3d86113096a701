import { LoggerService } from '@nestjs/common';
import { FakeClock } from '../../testing';
import { MemoryThrottleStorage } from '../memory/memory.storage';
import { ThrottleDecision, ThrottleRequest, ThrottleStorage } from '../throttle-storage';
import { ResilientThrottleStorage } from './resilient.storage';
import { DecisionEvent } from '../store-events';

/**
 * A sharded store stand-in (a Redis Cluster's masters): keys `a:*` live on master A, `b:*` on B; a
 * real memory store decides; a master can be switched down. Records what the wrapper tells it.
 */
class ShardedStore extends ThrottleStorage {
  down = new Set<string>();
  failedShards: string[] = [];
  private listeners: ((shard: string, reason: string, gone: boolean) => void)[] = [];
  constructor(private readonly inner: ThrottleStorage) {
    super();
  }
  shardOf(request: ThrottleRequest): string {
    return request.rules[0].key.startsWith('a:') ? '10.0.0.1:6379' : '10.0.0.2:6379';
  }
  shardFailed(shard: string): void {
    this.failedShards.push(shard);
  }
  watchShards(listener: (shard: string, reason: string, gone: boolean) => void): () => void {
    this.listeners.push(listener);
    return () => undefined;
  }
  tell(shard: string, reason: string, gone: boolean): void {
    this.listeners.forEach((listener) => listener(shard, reason, gone));
  }
  consume(request: ThrottleRequest): Promise<ThrottleDecision> {
    if (this.down.has(this.shardOf(request)))
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    return this.inner.consume(request);
  }
}

async function setup() {
  const clock = new FakeClock();
  const shared = new ShardedStore(new MemoryThrottleStorage({}, clock));
  const lines: string[] = [];
  const logger: LoggerService = { log: (m) => lines.push(`log ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(m) };
  const storage = new ResilientThrottleStorage(shared, { clock, logger, instances: 2, description: 'cluster 10.0.0.1:6379' });
  const decisions: DecisionEvent[] = [];
  storage.subscribe({ decision: (e) => decisions.push(e) });
  await storage.onApplicationBootstrap();
  return { clock, shared, lines, storage, decisions };
}
const req = (key: string): ThrottleRequest => ({ rules: [{ key, limit: 4, windowMs: 60_000 }] });
const admitted = async (storage: ThrottleStorage, key: string, count: number) => {
  let n = 0;
  for (let i = 0; i < count; i++) if ((await storage.consume(req(key))).allowed) n++;
  return n;
};

describe('ResilientThrottleStorage on a sharded store (issue 23: only the lost slots fall back)', () => {
  it('keeps keys on a healthy master shared and exact while another master is down', async () => {
    const { shared, storage, decisions } = await setup();
    shared.down.add('10.0.0.1:6379');
    await admitted(storage, 'a:x', 5); // opens A's circuit
    expect(storage.circuit).toBe('open');
    decisions.length = 0;
    // On B, the store decides: exactly 4, not the local share of 2.
    expect(await admitted(storage, 'b:y', 10)).toBe(4);
    expect(decisions.map((d) => d.source)).toEqual(Array(10).fill('store'));
  });

  it('tells the store which master failed, names it in the log and /health, and counts why the policy decided', async () => {
    const { shared, storage, lines, decisions } = await setup();
    shared.down.add('10.0.0.1:6379');
    await admitted(storage, 'a:x', 5);
    expect(shared.failedShards).toEqual(['10.0.0.1:6379', '10.0.0.1:6379', '10.0.0.1:6379']);
    expect(lines).toEqual([
      'warn Redis store cluster 10.0.0.1:6379: master 10.0.0.1:6379 unavailable (ECONNREFUSED): falling back to local limits (per process) for its slots',
    ]);
    expect(storage.health()).toMatchObject({ state: 'degraded', circuit: 'open', mastersDown: ['10.0.0.1:6379'] });
    expect(decisions.map((d) => d.reason)).toEqual(['store_error', 'store_error', 'store_error', 'circuit_open', 'circuit_open']);
  });

  it('closes a master circuit as soon as the store says its slots have a new master, without waiting for a probe', async () => {
    const { shared, storage, lines, decisions } = await setup();
    shared.down.add('10.0.0.1:6379');
    await admitted(storage, 'a:x', 3);
    shared.down.clear();
    shared.tell('10.0.0.1:6379', 'failed over: 10.0.0.1:6379 serves no slot any more', true);
    expect(storage.health()).toMatchObject({ state: 'ok', circuit: 'closed' });
    expect(storage.health().mastersDown).toBeUndefined();
    expect(lines[1]).toBe(
      'log Redis store cluster 10.0.0.1:6379: master 10.0.0.1:6379 back (failed over: 10.0.0.1:6379 serves no slot any more): shared limits resumed for its slots',
    );
    decisions.length = 0;
    expect(await admitted(storage, 'a:fresh', 6)).toBe(4); // no clock advanced: no probe, the store decides
    expect(decisions.every((d) => d.source === 'store')).toBe(true);
  });

  it('is healthy again once a master answers, after a cluster that did not open in time at boot', async () => {
    const clock = new FakeClock();
    const shared = Object.assign(new ShardedStore(new MemoryThrottleStorage({}, clock)), {
      open: () => Promise.reject(new Error('not ready after 5000 ms')),
    });
    const logger: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };
    const storage = new ResilientThrottleStorage(shared, { clock, logger });
    await storage.onApplicationBootstrap();
    expect(storage.health()).toMatchObject({ state: 'degraded', circuit: 'open' });
    expect((await storage.consume(req('b:y'))).allowed).toBe(true);
    expect(storage.health()).toMatchObject({ state: 'ok', circuit: 'closed' });
  });

  it('closes a master circuit when the master answers again (restarted in place)', async () => {
    const { shared, storage } = await setup();
    shared.down.add('10.0.0.1:6379');
    await admitted(storage, 'a:x', 3);
    shared.down.clear();
    shared.tell('10.0.0.1:6379', 'master answers again', false);
    expect(storage.circuit).toBe('closed');
    expect(await admitted(storage, 'a:fresh', 6)).toBe(4);
  });
});
