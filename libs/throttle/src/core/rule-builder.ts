import type { ExecutionContext } from '@nestjs/common';
import type { CompiledScope } from '../options/compile-scope';
import { capacityOf, ScopeRate } from '../options/scope-rate';
import { scopeStoreKey, tierKey } from '../storage/store-key';
import type { ThrottleRule } from '../storage/throttle-storage';

/**
 * The store rules of one request: first one per scope, in the scopes' order (its key for the client,
 * its rate, its algorithm, the request's cost: the route's `@ThrottleCost`, else the scope's `cost`);
 * then, for each scope whose client-chosen tier (`header:`, `query:`) names a rate, one more rule at
 * that rate on a key of its own, decided with the others: the tier can only lower what the client gets.
 * `owners[j]` is the scope of extra rule `scopes.length + j`. A tier the server chooses (`user:`, a
 * function) replaces the scope's rule's rate instead, its key retaining the scope's longest window.
 * A tier rate too small for the cost (a dynamic rate from a tier function) is passed over for the
 * scope's own rate, which boot checked. `rawKeys`: the store is the embedded memory store (see `scopeStoreKey`).
 *
 * @example
 * buildRules(plan.scopes, plan.cost, request, context); // { rules: [{ key: 'hi:{Xb3…}', limit: 60, windowMs: 60_000, cost: 1, … }], owners: [] }
 */
export function buildRules(
  scopes: readonly CompiledScope[],
  routeCost: number | undefined,
  request: any,
  context: ExecutionContext | undefined,
  rawKeys = false,
): RequestRules {
  const rules: ThrottleRule[] = new Array(scopes.length);
  let owners: number[] | undefined;
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i];
    const cost = routeCost ?? s.cost;
    const key = scopeStoreKey(s, s.identity.resolve(request, context), rawKeys);
    let rate: ScopeRate = s;
    if (s.tier !== undefined) {
      const tier = s.tier.rateOf(request, context);
      if (tier !== undefined && cost <= capacityOf(tier)) {
        if (s.tier.beforeGuards) {
          (owners ??= []).push(i);
          rules.push(ruleOf(s, tierKey(key, tier), tier, cost));
        } else rate = tier;
      }
    }
    rules[i] = ruleOf(s, key, rate, cost);
  }
  return { rules, owners: owners ?? NO_OWNERS };
}

/** A request's store rules, and the scope of each rule past the first one per scope. */
export interface RequestRules {
  readonly rules: ThrottleRule[];
  readonly owners: readonly number[];
}

const NO_OWNERS: readonly number[] = [];

/** The store rule of one scope at `rate` on `key` (its algorithm, burst, retention), costing `cost`. */
export function ruleOf(s: CompiledScope, key: string, rate: ScopeRate, cost: number): ThrottleRule {
  return {
    key,
    limit: rate.limit,
    windowMs: rate.windowMs,
    scope: s.name,
    algorithm: s.algorithm,
    cost,
    burst: rate.burst,
    retainMs: s.retainMs === undefined ? undefined : Math.max(s.retainMs, rate.windowMs),
  };
}
