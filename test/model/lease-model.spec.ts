// Issue 22 in the model suite: generated sequences of lease acquires, releases and clock steps against a
// tiny reference model of concurrency leases (at most `limit` unexpired leases per key; an expired lease
// frees its slot), on the memory lease store, one Redis and a 3-master Cluster (the Redis lease script on
// the fake clock's time). Every answer (admitted, leases held, expired found) must match the model.
import fc from 'fast-check';
import { Cluster, Redis } from 'ioredis';
import { MemoryLeaseStore } from '../../libs/throttle/src/concurrency/memory-leases';
import { RedisLeaseStore } from '../../libs/throttle/src/redis/redis-leases';
import type { LeaseAnswer, LeaseStore } from '../../libs/throttle/src/concurrency/lease-store';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { describeRedis, filePrefix, useCluster, useRedis } from '../support/redis/harness';

type Step = { op: 'acquire'; key: number } | { op: 'release'; nth: number } | { op: 'advance'; ms: number };
interface LeaseCase {
  limit: number;
  leaseMs: number;
  steps: Step[];
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('acquire' as const), key: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), nth: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(0, 1, 250, 499, 500, 999, 1_000, 1_500) }) },
);
const caseArb: fc.Arbitrary<LeaseCase> = fc.record({
  limit: fc.integer({ min: 1, max: 3 }),
  leaseMs: fc.constantFrom(500, 1_000),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 30 }),
});

/** The reference: per key the expiry of each live lease, by id. */
class LeaseModel {
  private readonly keys = new Map<number, Map<string, number>>();
  acquire(key: number, id: string, now: number, limit: number, leaseMs: number): { allowed: boolean; held: number; expired: number } {
    const set = this.keys.get(key) ?? new Map<string, number>();
    this.keys.set(key, set);
    const expired = [...set].filter(([, at]) => at <= now).map(([held]) => held);
    expired.forEach((held) => set.delete(held));
    if (set.size >= limit) return { allowed: false, held: set.size, expired: expired.length };
    set.set(id, now + leaseMs);
    return { allowed: true, held: set.size, expired: expired.length };
  }
  release(key: number, id: string): void {
    this.keys.get(key)?.delete(id);
  }
}

let runs = 0;
async function check(c: LeaseCase, make: (clock: FakeClock) => LeaseStore): Promise<void> {
  const clock = new FakeClock();
  const store = make(clock);
  const model = new LeaseModel();
  const run = ++runs;
  const held: { key: number; id: string; answer: LeaseAnswer }[] = [];
  for (const [i, step] of c.steps.entries()) {
    if (step.op === 'advance') clock.advance(step.ms);
    else if (step.op === 'release') {
      const lease = held.splice(step.nth % Math.max(1, held.length), 1)[0];
      if (lease === undefined) continue;
      lease.answer.release();
      model.release(lease.key, lease.id);
    } else {
      const id = `r${i}`;
      const rule = { key: `m${process.pid}-${run}:{k${step.key}}:lease`, limit: c.limit, leaseMs: c.leaseMs, scope: 'm' };
      const answer = await store.acquire(rule, id);
      const expected = model.acquire(step.key, id, clock.now(), c.limit, c.leaseMs);
      expect({ step: i, allowed: answer.allowed, held: answer.held, expired: answer.expired }).toEqual({ step: i, ...expected });
      if (answer.allowed) held.push({ key: step.key, id, answer });
    }
  }
}

const runsOf = (n: number) => ({ numRuns: Number(process.env.MODEL_RUNS ?? 0) || n });

describe('lease model, memory store', () => {
  it('answers every acquire as the model does', () =>
    fc.assert(
      fc.asyncProperty(caseArb, (c) => check(c, (clock) => new MemoryLeaseStore(clock))),
      runsOf(200),
    ));
});

function redisStore(client: Redis | Cluster) {
  return (clock: FakeClock) =>
    new RedisLeaseStore(client, { fallback: new MemoryLeaseStore(clock), policy: 'deny', timeoutMs: 2_000, storeTime: clock.storeTime() });
}

describeRedis('lease model on Redis', () => {
  describe('single node', () => {
    let client: Redis;
    useRedis(filePrefix('lease-model'), (started) => (client = started));
    it(
      'answers every acquire as the model does',
      () =>
        fc.assert(
          fc.asyncProperty(caseArb, (c) => check(c, redisStore(client))),
          runsOf(60),
        ),
      60_000,
    );
  });
  describe('3-master cluster', () => {
    let client: Cluster;
    useCluster(3, 0, filePrefix('lease-model-c'), (started) => (client = started.client));
    it(
      'answers every acquire as the model does',
      () =>
        fc.assert(
          fc.asyncProperty(caseArb, (c) => check(c, redisStore(client))),
          runsOf(40),
        ),
      60_000,
    );
  });
});
