import { algorithmNamed, ThrottleAlgorithm } from '../algorithms/registry';
import { MAX_WINDOW_MS, Rate } from './grammar/rate';

/** One rate a scope may decide under: its own, or one of its tiers'. */
export interface ScopeRate {
  readonly limit: number;
  readonly windowMs: number;
  /** GCRA: requests admissible at once when idle (the scope's `burst`, else this rate's limit); undefined for the sliding log. */
  readonly burst: number | undefined;
  /** This rate's `RateLimit-Policy` item: `"hi";q=60;w=60`. */
  readonly policy: string;
}

/** How a scope counts, shared by all its rates. */
export interface ScopeCounting {
  readonly algorithm: ThrottleAlgorithm;
  /** The configured GCRA burst; undefined: each rate's own limit. */
  readonly burst: number | undefined;
}

/** A scope's rate, compiled: its policy item and effective burst. */
export function scopeRate(scope: string, rate: Rate, counting: ScopeCounting): ScopeRate {
  const burst = algorithmNamed(counting.algorithm).takesBurst ? (counting.burst ?? rate.limit) : undefined;
  return { limit: rate.limit, windowMs: rate.windowMs, burst, policy: policyItem(scope, rate.limit, rate.windowMs) };
}

/** Units one request may cost under `rate`: its limit (sliding log) or its burst (GCRA). */
export function capacityOf(rate: ScopeRate): number {
  return rate.burst ?? rate.limit;
}

/** Whether `rate` gives more than `base`: a higher limit, a faster rate, or a larger burst. */
export function isAbove(rate: ScopeRate, base: ScopeRate): boolean {
  return rate.limit > base.limit || rate.limit * base.windowMs > base.limit * rate.windowMs || capacityOf(rate) > capacityOf(base);
}

/** One scope's `RateLimit-Policy` item: `"hi";q=60;w=60` (the quota, and the window in seconds). */
export function policyItem(name: string, limit: number, windowMs: number): string {
  return `"${name}";q=${limit};w=${windowMs / 1000}`;
}

/**
 * What is wrong with a GCRA rate whose bucket takes longer to refill than the longest window a rate may
 * name (`burst × period / N` over 366 days: its arithmetic would leave whole microseconds), else undefined.
 */
export function gcraSpanProblem(rate: ScopeRate): string | undefined {
  if (rate.burst === undefined) return undefined;
  const refillMs = (rate.burst * Math.ceil((rate.windowMs * 1000) / rate.limit)) / 1000;
  if (refillMs <= MAX_WINDOW_MS) return undefined;
  return `burst ${rate.burst} takes ${Math.round(refillMs / 86_400_000)} days to refill at this rate (at most 366)`;
}
