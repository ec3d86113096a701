import { MemoryThrottleStorage } from '../storage/memory/memory.storage';
import { ResilientThrottleStorage } from '../storage/resilient/resilient.storage';
import { ThrottleDecision, ThrottleStorage } from '../storage/throttle-storage';
import { scopeKeyPrefix, storeKey } from '../storage/store-key';
import { FakeClock } from '../testing';
import { ThrottleMetrics } from './throttle-metrics';

describe('ThrottleMetrics: throttle_evictions_total', () => {
  it('counts, by scope, the live logs the memory store evicts, and stops when unsubscribed', async () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({ maxKeys: 3 }, clock);
    const metrics = new ThrottleMetrics();
    const unsubscribe = metrics.observe(storage, 'local', 'memory');
    const hit = (scope: string, id: number) =>
      storage.decideSync({ rules: [{ key: storeKey(scopeKeyPrefix(scope), `q:${id}`), limit: 1, windowMs: 1_000 }] });
    for (let i = 0; i < 10; i++) hit('api_key', i);
    for (let i = 0; i < 4; i++) hit('hi', i);
    clock.advance(1_000);
    for (let i = 10; i < 13; i++) hit('api_key', i); // evicts expired logs: not counted
    unsubscribe();
    hit('api_key', 13);
    const text = await metrics.registry.metrics();
    expect(text).toContain('throttle_evictions_total{scope="api_key"} 7\n');
    expect(text).toContain('throttle_evictions_total{scope="hi"} 1\n');
  });
});

describe('ThrottleMetrics: throttle_store_fallback_decisions_total (issue 23)', () => {
  /** A shared store that always fails, like a Redis that is down. */
  class DownStore extends ThrottleStorage {
    consume(): Promise<ThrottleDecision> {
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    }
  }

  it('counts the policy decisions by why the store did not decide: its error, then the open circuit', async () => {
    const clock = new FakeClock();
    const storage = new ResilientThrottleStorage(new DownStore(), { clock, logger: { log: () => 0, warn: () => 0, error: () => 0 } });
    const metrics = new ThrottleMetrics();
    metrics.observe(storage, 'local');
    for (let i = 0; i < 5; i++) await storage.consume({ rules: [{ key: 'k', limit: 9, windowMs: 1_000 }] });
    const text = await metrics.registry.metrics();
    expect(text).toContain('throttle_store_fallback_decisions_total{policy="local",reason="store_error"} 3\n');
    expect(text).toContain('throttle_store_fallback_decisions_total{policy="local",reason="circuit_open"} 2\n');
  });
});
