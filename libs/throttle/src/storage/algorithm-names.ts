/**
 * The names of the algorithms a rule may count with, one per unit in `algorithms/registry.ts` (which the compiler
 * checks against this list). A store key is only ever used with one of them.
 */
export const ALGORITHM_NAMES = ['sliding-log', 'gcra', 'fixed-window'] as const;

/** How a rule counts: an exact sliding log (the default), GCRA (the leaky bucket as a meter), or a fixed window (`@nestjs/throttler`'s). */
export type ThrottleAlgorithm = (typeof ALGORITHM_NAMES)[number];
