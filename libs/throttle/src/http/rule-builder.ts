import type { ExecutionContext } from '@nestjs/common';
import type { CompiledScope } from '../options/compile-scope';
import { capacityOf, ScopeRate } from '../options/scope-rate';
import { storeKey } from '../storage/store-key';
import type { ThrottleRule } from '../storage/throttle-storage';

/**
 * The store rules of one request, one per scope: the scope's key for the client, its rate (the client's
 * tier's when the scope has tiers, else the scope's own), its algorithm, and the request's cost (the
 * route's `@ThrottleCost`, else the scope's `cost`). A tier rate too small for the cost (a dynamic rate
 * from a tier function) is passed over for the scope's own rate, which boot checked.
 *
 * @example
 * buildRules(plan.scopes, plan.cost, request, context); // [{ key: 'hi:{Xb3…}', limit: 60, windowMs: 60_000, cost: 1, … }]
 */
export function buildRules(
  scopes: readonly CompiledScope[],
  routeCost: number | undefined,
  request: any,
  context: ExecutionContext | undefined,
): ThrottleRule[] {
  const rules: ThrottleRule[] = new Array(scopes.length);
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i];
    const cost = routeCost ?? s.cost;
    let rate: ScopeRate = s;
    if (s.tier !== undefined) {
      const tier = s.tier.rateOf(request, context);
      if (tier !== undefined && cost <= capacityOf(tier)) rate = tier;
    }
    rules[i] = {
      key: storeKey(s.keyPrefix, s.identity.resolve(request, context), s.keyEnd),
      limit: rate.limit,
      windowMs: rate.windowMs,
      scope: s.name,
      algorithm: s.algorithm,
      cost,
      burst: rate.burst,
    };
  }
  return rules;
}
