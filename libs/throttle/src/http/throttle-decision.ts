import type { ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { OtelThrottleMetrics } from '../metrics/otel-metrics';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import { THROTTLE_CONFIG } from '../module/throttle.tokens';
import type { CompiledScope, ThrottleConfig } from '../options/normalize-options';
import { ThrottleDecision, ThrottleRule, ThrottleStorage, ThrottleStoreUnavailableError } from '../storage/throttle-storage';
import { HeaderSink, retryAfterSeconds, writeHeaders } from './headers';
import type { RefusalFacts } from './refusal';
import { policyOf, RoutePlan } from './route-plans';
import { buildRules } from './rule-builder';
import { refusedScope } from './scope-pick';

/**
 * Set on an HTTP request once it is decided (by the fast lane or the guard): the plan that decided it, or null.
 * The HTTP callers set it, not {@link ThrottleDecider.decide}: a GraphQL field decided on the same HTTP request
 * must neither mark it (the next field would pass unchecked) nor teach the fast lane a plan for `/graphql`.
 */
export const THROTTLE_DECIDED = Symbol('throttle.decided');

/** How a decided request ends: admitted (`undefined`), refused (429), or refused because the store cannot decide (503). */
export type Verdict = undefined | { readonly status: 429; readonly refusal: RefusalFacts } | { readonly status: 503 };

const UNAVAILABLE: Verdict = { status: 503 };

/**
 * The one decision sequence of the guard, the Fastify fast lane and other contexts: drop the scopes the
 * request skips (allow list, `skipIf`), resolve each remaining scope's identity into a store rule, ask the
 * store once for all of them (without a promise when the store can answer at once), let shadow scopes
 * report without refusing, write the rate-limit headers, count the decision. The caller admits or refuses.
 */
@Injectable()
export class ThrottleDecider {
  private readonly metrics?: ThrottleMetrics;
  private readonly otel?: OtelThrottleMetrics;

  constructor(
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    @Optional() metrics?: ThrottleMetrics,
    @Optional() otel?: OtelThrottleMetrics,
  ) {
    this.metrics = metrics ?? undefined;
    this.otel = otel ?? undefined;
  }

  /** Decides one request under `plan`, writing headers to `response` when there is one; a promise only when the store must be asked. */
  decide(
    plan: RoutePlan,
    request: any,
    context: ExecutionContext | undefined,
    response: HeaderSink | undefined,
  ): Verdict | Promise<Verdict> {
    if (plan.plain) return this.run(plan.scopes, plan.policy, plan.cost, request, context, response);
    const scopes = this.unskipped(plan.scopes, request, context);
    if (scopes.length === 0) return undefined;
    return this.run(scopes, scopes === plan.scopes ? plan.policy : policyOf(scopes), plan.cost, request, context, response);
  }

  private run(
    scopes: readonly CompiledScope[],
    policy: string,
    cost: number | undefined,
    request: any,
    context: ExecutionContext | undefined,
    response: HeaderSink | undefined,
  ): Verdict | Promise<Verdict> {
    const rules = buildRules(scopes, cost, request, context);
    const decided = this.ask(rules);
    if (isPromise(decided)) return decided.then((d) => this.settle(scopes, policy, rules, d, response)).catch(unavailable);
    const verdict = this.settle(scopes, policy, rules, decided, response);
    return isPromise(verdict) ? verdict.catch(unavailable) : verdict;
  }

  private ask(rules: ThrottleRule[]): ThrottleDecision | Promise<ThrottleDecision> {
    const request = { rules };
    return this.storage.decideSync?.(request) ?? this.storage.consume(request);
  }

  /** A refusal by shadow scopes only admits the request; its enforced scopes then decide alone (and record it). */
  private settle(
    scopes: readonly CompiledScope[],
    policy: string,
    rules: ThrottleRule[],
    decision: ThrottleDecision,
    response: HeaderSink | undefined,
  ): Verdict | Promise<Verdict> {
    if (decision.allowed || !refusedByShadowOnly(scopes, decision)) return this.conclude(scopes, rules, policy, decision, response);
    const enforced = scopes.flatMap((s, i) => (s.shadow ? [] : [i]));
    const merge = (alone: ThrottleDecision | undefined): Verdict => {
      const states = decision.states.slice();
      enforced.forEach((i, j) => (states[i] = alone!.states[j]));
      return this.conclude(scopes, rules, policy, { allowed: alone?.allowed ?? true, states }, response, decision);
    };
    if (enforced.length === 0) return merge(undefined);
    const alone = this.ask(enforced.map((i) => rules[i]));
    return isPromise(alone) ? alone.then(merge) : merge(alone);
  }

  private conclude(
    scopes: readonly CompiledScope[],
    rules: readonly ThrottleRule[],
    policy: string,
    decision: ThrottleDecision,
    response: HeaderSink | undefined,
    shadowed?: ThrottleDecision,
  ): Verdict {
    const retryAfter =
      response !== undefined
        ? writeHeaders(response, scopes, rules, policy, decision, this.config.headers)
        : decision.allowed
          ? 0
          : retryAfterSeconds(decision);
    if (this.metrics !== undefined) this.count(this.metrics, scopes, decision.allowed, shadowed);
    if (this.otel !== undefined) {
      this.count(this.otel, scopes, decision.allowed, shadowed);
      this.otel.annotate(scopes, decision, shadowed?.states.some((s, i) => scopes[i].shadow && s.retryAfterMs > 0) ?? false);
    }
    if (decision.allowed) return undefined;
    const refused = refusedScope(decision);
    const state = decision.states[refused];
    const limit = state.limit ?? rules[refused].limit;
    return { status: 429, refusal: { scope: scopes[refused].name, limit, remaining: state.remaining, retryAfter } };
  }

  private count(
    metrics: ThrottleMetrics | OtelThrottleMetrics,
    scopes: readonly CompiledScope[],
    allowed: boolean,
    shadowed: ThrottleDecision | undefined,
  ): void {
    if (shadowed === undefined) return metrics.countDecision(scopes, allowed);
    scopes.forEach((s, i) => {
      const shadowRefused = s.shadow && shadowed.states[i].retryAfterMs > 0;
      metrics.countResult(s.name, shadowRefused ? 'shadow_throttled' : allowed ? 'allowed' : 'throttled');
    });
  }

  /** The scopes the request does not skip (the same array when it skips none); skipped ones are counted. */
  private unskipped(scopes: readonly CompiledScope[], request: any, context: ExecutionContext | undefined): readonly CompiledScope[] {
    let kept: CompiledScope[] | undefined;
    for (let i = 0; i < scopes.length; i++) {
      const s = scopes[i];
      if (s.skip?.(request, context) === true) {
        this.metrics?.countResult(s.name, 'skipped');
        this.otel?.countResult(s.name, 'skipped');
        kept ??= scopes.slice(0, i);
      } else kept?.push(s);
    }
    return kept ?? scopes;
  }
}

/** Whether every scope that refused is in shadow mode. */
function refusedByShadowOnly(scopes: readonly CompiledScope[], decision: ThrottleDecision): boolean {
  let refusing = 0;
  for (let i = 0; i < decision.states.length; i++) {
    if (decision.states[i].retryAfterMs <= 0) continue;
    if (!scopes[i].shadow) return false;
    refusing++;
  }
  return refusing > 0;
}

function unavailable(error: unknown): Verdict {
  if (error instanceof ThrottleStoreUnavailableError) return UNAVAILABLE;
  throw error;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

/** Whether {@link ThrottleDecider.decide} answered with a promise. */
export const isPending: (verdict: Verdict | Promise<Verdict>) => verdict is Promise<Verdict> = isPromise;
