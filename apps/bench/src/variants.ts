/**
 * The variants of the skeleton app (apps/bench/skeleton) the HTTP scenarios run, by name: our
 * limiter on each store, the floors (no limiter, only what the contract forces: see
 * skeleton/src/floors.ts) and the peers. The apps themselves live in the skeleton.
 */

/** Every variant, in the order each round runs them. */
export const VARIANTS = [
  'baseline',
  'empty-guard',
  'guard5',
  'hook5',
  'guard429',
  'hook429',
  'memory',
  'redis',
  'throttler',
  'throttler-redis',
] as const;

/** One app under test. */
export type Variant = (typeof VARIANTS)[number];

/** Variants that need the private Redis. */
export const REDIS_VARIANTS: ReadonlySet<Variant> = new Set<Variant>(['redis', 'throttler-redis']);

/** Our variants (their store must report ok at start, or the run would measure the fallback). */
export const OUR_VARIANTS: ReadonlySet<Variant> = new Set<Variant>(['memory', 'redis']);

/** Variants with no limiter: every response is theirs by construction. */
export const FLOOR_VARIANTS: ReadonlySet<Variant> = new Set<Variant>(['baseline', 'empty-guard', 'guard5', 'hook5', 'guard429', 'hook429']);

/** The peer of each of our variants: the same storage kind in @nestjs/throttler. */
export const PEERS: Partial<Record<Variant, Variant>> = { memory: 'throttler', redis: 'throttler-redis' };

/** The line a skeleton server prints when it is ready, after `READY `. */
export interface ServerReady {
  readonly variant: Variant;
  readonly port: number;
  readonly pid: number;
  /** Our store's health at start (our variants only). */
  readonly store?: { readonly state: string };
}
