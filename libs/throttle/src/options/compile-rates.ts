import { ALGORITHM_NAMES, algorithmNamed, isAlgorithmName, ThrottleAlgorithm } from '../algorithms/registry';
import { MAX_LIMIT, Rate } from './grammar/rate';
import { capacityOf, gcraSpanProblem, ScopeRate, scopeRate } from './scope-rate';
import { compileTier, CompiledTier } from './tier';
import type { ScopeOptions } from './throttle-options';

/** How a scope counts and which rates it decides under, compiled at boot. */
export interface CompiledRates {
  readonly algorithm: ThrottleAlgorithm;
  /** The scope's own rate. */
  readonly own: ScopeRate;
  /** Units a request costs unless its route says otherwise. */
  readonly cost: number;
  /** The smallest limit (sliding log) or burst (GCRA) over the scope's rate and its tiers. */
  readonly maxCost: number;
  readonly tier?: CompiledTier;
  /**
   * Sliding log with tiers the server chooses: the longest window among the scope's rates, which its
   * keys retain (`ThrottleRule.retainMs`) so a move between tiers loses nothing; else undefined.
   */
  readonly retainMs?: number;
}

/**
 * Compiles a scope's `algorithm`, `burst`, `cost`, `tier` and `tiers` around its parsed `rate`; pushes
 * one problem per mistake (a mistyped algorithm, a burst without GCRA, a cost above a limit or burst in
 * any tier, a bad tier rate) and returns undefined when the scope cannot be used (also when its own
 * `rate` did not parse: the options are still checked, so one boot error lists every problem).
 *
 * @example
 * compileRates('hi', { rate: '10/s', algorithm: 'gcra', burst: 3 }, parseRate('10/s'), problems);
 * // { algorithm: 'gcra', own: { limit: 10, windowMs: 1000, burst: 3, policy: '"hi";q=10;w=1' }, cost: 1, maxCost: 3 }
 */
export function compileRates(name: string, spec: ScopeOptions, rate: Rate | undefined, problems: string[]): CompiledRates | undefined {
  const count = problems.length;
  const algorithm = spec.algorithm ?? 'sliding-log';
  if (!isAlgorithmName(algorithm)) {
    problems.push(`scope "${name}" algorithm ${JSON.stringify(algorithm)} must be one of ${ALGORITHM_NAMES.join(', ')}`);
  }
  const burst = countOption(spec.burst, `scope "${name}" burst`, problems);
  const takesBurst = ALGORITHM_NAMES.filter((n) => algorithmNamed(n).takesBurst);
  if (burst !== undefined && isAlgorithmName(algorithm) && !algorithmNamed(algorithm).takesBurst) {
    problems.push(`scope "${name}" burst applies to algorithm ${takesBurst.join(', ')} only (add algorithm: ${takesBurst[0]})`);
  }
  const cost = countOption(spec.cost, `scope "${name}" cost`, problems) ?? 1;
  if (rate === undefined || problems.length > count) return undefined;
  const counting = { algorithm, burst };
  const own = scopeRate(name, rate, counting);
  if (cost > capacityOf(own)) {
    problems.push(`scope "${name}" cost ${cost} exceeds its ${algorithmNamed(algorithm).capacityName} ${capacityOf(own)}`);
  }
  const tier = compileTier(name, spec.tier, spec.tiers, own, counting, cost, problems);
  for (const [label, scopeRate] of [['', own] as const, ...(tier?.rates ?? [])]) {
    const span = gcraSpanProblem(scopeRate);
    if (span !== undefined) problems.push(`scope "${name}"${label === '' ? '' : ` tier "${label}"`}: ${span}`);
  }
  if (problems.length > count) return undefined;
  const maxCost = Math.min(...[own, ...(tier?.rates.values() ?? [])].map(capacityOf));
  const serverTiers = tier !== undefined && !tier.beforeGuards && algorithmNamed(algorithm).retains;
  const retainMs = serverTiers ? Math.max(own.windowMs, ...[...tier.rates.values()].map((r) => r.windowMs)) : undefined;
  return { algorithm, own, cost, maxCost, tier, retainMs };
}

/** A positive whole number option (`burst`, `cost`), at most {@link MAX_LIMIT}; undefined when absent. */
function countOption(value: unknown, what: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= MAX_LIMIT) return value;
  problems.push(`${what} must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(value)}`);
  return undefined;
}
