import type { ScopeOptions, ThrottleModuleOptions } from 'nest-scoped-throttle';

/** A route whose requests consume more than one unit of a scope (`@ThrottleCost`). */
export interface CostlyRoute {
  readonly route: string;
  readonly scope: string;
  readonly cost: number;
}

/**
 * One scope for the boot line: its rate, then key, mode, algorithm, burst, cost, tiers and the routes
 * that cost more, only as far as they are set.
 *
 * @example
 * describeScope('burst', { rate: '10/s', algorithm: 'gcra', burst: 3 }, undefined, [])
 * // 'burst=10/s (key ip, gcra, burst 3)'
 * describeScope('export', { concurrency: 2 }, undefined, []) // 'export=2 in flight (key ip)'
 */
export function describeScope(
  name: string,
  scope: string | ScopeOptions,
  defaultKey: ThrottleModuleOptions['key'],
  costly: readonly CostlyRoute[],
): string {
  const spec: ScopeOptions = typeof scope === 'string' ? { rate: scope } : scope;
  const key = spec.key ?? defaultKey ?? 'ip';
  const parts = [`key ${typeof key === 'function' ? 'function' : key}`];
  if (spec.mode === 'shadow') parts.push('shadow');
  if (spec.algorithm === 'gcra') parts.push('gcra');
  if (spec.burst !== undefined) parts.push(`burst ${spec.burst}`);
  if (spec.cost !== undefined) parts.push(`cost ${spec.cost}`);
  if (spec.concurrency !== undefined && spec.rate !== undefined) parts.push(`concurrency ${spec.concurrency}`);
  if (spec.leaseMs !== undefined) parts.push(`lease ${spec.leaseMs}`);
  if (spec.priority !== undefined) parts.push(`priority ${spec.priority}`);
  if (spec.tier !== undefined || spec.tiers !== undefined) {
    const source = typeof spec.tier === 'function' ? 'function' : (spec.tier ?? '?');
    const tiers = Object.entries(spec.tiers ?? {}).map(([tier, rate]) => `${tier}=${rate}`);
    parts.push(`tier ${source}: ${tiers.join(' ') || 'none'}`);
  }
  for (const c of costly) if (c.scope === name) parts.push(`${c.route} costs ${c.cost}`);
  return `${name}=${spec.rate ?? `${spec.concurrency} in flight`} (${parts.join(', ')})`;
}
