import { MemoryThrottleStorage, ThrottleAlgorithm, ThrottleRule } from 'nest-scoped-throttle';

/** Cost of the embedded store: time per decision and heap per tracked key. */
export interface MemoryCost {
  nsPerDecision: { fresh: number; underLimit: number; overLimit: number; gcraUnderLimit?: number; gcraOverLimit?: number };
  bytesPerKey: Record<number, number>;
  /** The same for GCRA keys (one arrival time each, whatever the limit). */
  bytesPerKeyGcra: Record<number, number>;
}

const KEYS = 20_000;

/** Runs `fn` `n` times, returns nanoseconds per call (best of 3 passes, after a warm-up). */
function timePerCall(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 50_000); i++) fn(i);
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / n);
  }
  return best;
}

function heapUsed(): number {
  global.gc?.();
  global.gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers; // typed-array backing stores live outside the JS heap
}

/**
 * Heap bytes per key holding a full log (or an empty GCRA bucket) at `limit` (key strings as the guard
 * makes them). Needs `node --expose-gc` for stable figures.
 */
function bytesPerKey(limit: number, algorithm: ThrottleAlgorithm = 'sliding-log'): number {
  const keys = limit >= 1000 ? 2_000 : KEYS;
  const storage = new MemoryThrottleStorage({ maxKeys: keys });
  const before = heapUsed();
  for (let k = 0; k < keys; k++) {
    const end = algorithm === 'gcra' ? '}:gcra' : '}';
    const rule: ThrottleRule = { key: `hi:{${k.toString(36).padStart(27, '_')}${end}`, limit, windowMs: 3_600_000, algorithm };
    for (let i = 0; i < limit; i++) storage.decideSync({ rules: [rule] });
  }
  const after = heapUsed();
  if (storage.size !== keys) throw new Error('store evicted keys during measurement');
  return Math.round((after - before) / keys);
}

/** Measures the memory store in this process. */
export function measureMemoryStore(): MemoryCost {
  const storage = new MemoryThrottleStorage({ maxKeys: 1_000_000 });
  const fresh = timePerCall(200_000, (i) =>
    storage.decideSync({ rules: [{ key: `fresh:{${i}-${Math.random()}}`, limit: 60, windowMs: 60_000 }] }),
  );
  const spread = Array.from({ length: 10_000 }, (_, k) => ({ rules: [{ key: `s:{${k}}`, limit: 1e6, windowMs: 60_000 }] }));
  const underLimit = timePerCall(500_000, (i) => storage.decideSync(spread[i % spread.length]));
  const hot = { rules: [{ key: 'hot:{1}', limit: 10, windowMs: 3_600_000 }] };
  const overLimit = timePerCall(500_000, () => storage.decideSync(hot));
  const gcra = { algorithm: 'gcra' as const, windowMs: 60_000 };
  const spreadGcra = Array.from({ length: 10_000 }, (_, k) => ({ rules: [{ key: `g:{${k}}:gcra`, limit: 1e6, ...gcra }] }));
  const gcraUnderLimit = timePerCall(500_000, (i) => storage.decideSync(spreadGcra[i % spreadGcra.length]));
  const hotGcra = { rules: [{ key: 'hot:{1}:gcra', limit: 10, ...gcra, windowMs: 3_600_000 }] };
  const gcraOverLimit = timePerCall(500_000, () => storage.decideSync(hotGcra));
  const ns = (n: number) => Math.round(n);
  return {
    nsPerDecision: {
      fresh: ns(fresh),
      underLimit: ns(underLimit),
      overLimit: ns(overLimit),
      gcraUnderLimit: ns(gcraUnderLimit),
      gcraOverLimit: ns(gcraOverLimit),
    },
    bytesPerKey: { 10: bytesPerKey(10), 60: bytesPerKey(60), 1000: bytesPerKey(1000) },
    bytesPerKeyGcra: { 10: bytesPerKey(10, 'gcra'), 60: bytesPerKey(60, 'gcra'), 1000: bytesPerKey(1000, 'gcra') },
  };
}

if (require.main === module) {
  console.log(JSON.stringify(measureMemoryStore(), null, 2));
}
