import type { ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import { THROTTLE_CONFIG } from '../module/throttle.tokens';
import type { ThrottleConfig } from '../options/normalize-options';
import { storeKey } from '../storage/store-key';
import { ThrottleDecision, ThrottleRule, ThrottleStorage, ThrottleStoreUnavailableError } from '../storage/throttle-storage';
import { HeaderSink, writeHeaders } from './headers';
import type { RoutePlan } from './route-plans';
import { refusedScope } from './scope-pick';

/** Set on a request once it is decided (by the fast lane or the guard): the plan that decided it, or null. */
export const THROTTLE_DECIDED = Symbol('throttle.decided');

/** How a decided request ends: admitted (`undefined`), refused (429), or refused because the store cannot decide (503). */
export type Verdict = undefined | { readonly status: 429; readonly scope: string; readonly retryAfter: number } | { readonly status: 503 };

const UNAVAILABLE: Verdict = { status: 503 };

/**
 * The one decision sequence of the guard and the Fastify fast lane: resolve every scope's identity into
 * a store rule, ask the store once for all of them (without a promise when the store can answer at once),
 * write the rate-limit headers, count the decision; the caller then admits or refuses.
 */
@Injectable()
export class ThrottleDecider {
  private readonly metrics?: ThrottleMetrics;

  constructor(
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    @Optional() metrics?: ThrottleMetrics,
  ) {
    this.metrics = metrics ?? undefined;
  }

  /** Decides one request under `plan`, writing headers to `response`; a promise only when the store must be asked. */
  decide(plan: RoutePlan, request: any, context: ExecutionContext | undefined, response: HeaderSink): Verdict | Promise<Verdict> {
    request[THROTTLE_DECIDED] = plan;
    const scopes = plan.scopes;
    const rules: ThrottleRule[] = new Array(scopes.length);
    for (let i = 0; i < scopes.length; i++) {
      const s = scopes[i];
      rules[i] = { key: storeKey(s.keyPrefix, s.identity.resolve(request, context)), limit: s.limit, windowMs: s.windowMs };
    }
    const throttleRequest = { rules };
    const now = this.storage.decideSync?.(throttleRequest);
    if (now !== undefined) return this.conclude(plan, now, response);
    return this.storage.consume(throttleRequest).then(
      (decision) => this.conclude(plan, decision, response),
      (error: unknown) => {
        if (error instanceof ThrottleStoreUnavailableError) return UNAVAILABLE;
        throw error;
      },
    );
  }

  private conclude(plan: RoutePlan, decision: ThrottleDecision, response: HeaderSink): Verdict {
    const retryAfter = writeHeaders(response, plan.scopes, plan.policy, decision, this.config.headers);
    this.metrics?.countDecision(plan.scopes, decision.allowed);
    if (decision.allowed) return undefined;
    return { status: 429, scope: plan.scopes[refusedScope(decision)].name, retryAfter };
  }
}

/** Whether {@link ThrottleDecider.decide} answered with a promise. */
export function isPending(verdict: Verdict | Promise<Verdict>): verdict is Promise<Verdict> {
  return typeof (verdict as Promise<Verdict> | undefined)?.then === 'function';
}
