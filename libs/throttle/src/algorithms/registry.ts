import type { ThrottleRule } from '../storage/throttle-storage';
import type { Algorithm } from './algorithm';
import { fixedWindow } from './fixed-window';
import { gcra } from './gcra';
import { ALGORITHM_NAMES, ThrottleAlgorithm } from '../storage/algorithm-names';
import { slidingLog } from './sliding-log';

/**
 * Every algorithm, by name: the one place a new algorithm is registered (its name goes in `storage/algorithm-names.ts`,
 * which the compiler checks against this table). The Redis scripts' `ALGORITHMS` table is built from it.
 */
export const ALGORITHMS: { readonly [N in ThrottleAlgorithm]: Algorithm } = {
  'sliding-log': slidingLog,
  gcra,
  'fixed-window': fixedWindow,
};

/** The default algorithm of a rule and a scope. */
export const DEFAULT_ALGORITHM: ThrottleAlgorithm = 'sliding-log';

/** Whether `name` is a registered algorithm (config validation). */
export function isAlgorithmName(name: unknown): name is ThrottleAlgorithm {
  return (ALGORITHM_NAMES as readonly unknown[]).includes(name);
}

/** The unit of an algorithm name (undefined: the default). */
export function algorithmNamed(name: ThrottleAlgorithm | undefined): Algorithm {
  return ALGORITHMS[name ?? DEFAULT_ALGORITHM];
}

/**
 * The unit a rule counts with (its `algorithm`, default `sliding-log`).
 *
 * @example
 * algorithmOf({ key: 'api:{Xb3…}:gcra', limit: 10, windowMs: 1_000, algorithm: 'gcra' }).capacityName; // 'burst'
 */
export function algorithmOf(rule: ThrottleRule): Algorithm {
  return ALGORITHMS[rule.algorithm ?? DEFAULT_ALGORITHM];
}

export { ALGORITHM_NAMES };
export type { ThrottleAlgorithm };
