import { Logger } from '@nestjs/common';
import type { OtelThrottleMetrics } from '../metrics/otel-metrics';
import type { ThrottleMetrics } from '../metrics/throttle-metrics';
import type { CompiledScope, ThrottleConfig } from '../options/normalize-options';
import type { ThrottleDecision } from '../storage/throttle-storage';
import { refusedScope } from '../storage/scope-pick';
import { HeaderSink, retryAfterSeconds, writeHeaders } from './headers';
import type { RequestRules } from './rule-builder';
import { enforcedView, ownerOf } from './scope-states';
import type { Verdict } from './verdict';

/**
 * The end of a decision: writes the enforced scopes' rate-limit headers, counts the decision per scope
 * (shadow refusals as `shadow_throttled`, with one debug line each), annotates the OpenTelemetry span,
 * and gives the verdict.
 */
export class DecisionReporter {
  private readonly logger = new Logger('Throttle');

  constructor(
    private readonly metrics: ThrottleMetrics | undefined,
    private readonly otel: OtelThrottleMetrics | undefined,
    private readonly config: ThrottleConfig,
  ) {}

  /**
   * Writes the headers of the enforced scopes' decision, counts it, and gives the verdict. `decision` is the
   * store's whole answer (shadow scopes' refusals included: counted as `shadow_throttled`); `merged` is the
   * request's outcome (a shadow refusal admits), which the span of a request under shadow scopes only carries.
   */
  report(
    scopes: readonly CompiledScope[],
    built: RequestRules,
    policy: string,
    view: ReturnType<typeof enforcedView>,
    response: HeaderSink | undefined,
    decision: ThrottleDecision,
    merged: ThrottleDecision,
  ): Verdict {
    let retryAfter = 0;
    if (view.scopes.length > 0) {
      retryAfter =
        response !== undefined
          ? writeHeaders(response, view.scopes, view.rules, policy, view.decision, this.config.headers)
          : view.decision.allowed
            ? 0
            : retryAfterSeconds(view.decision);
    }
    let shadowRefused = false;
    if (view.scopes.length !== scopes.length) shadowRefused = this.shadowReport(scopes, built, decision, view.decision.allowed);
    else {
      this.metrics?.countDecision(scopes, view.decision.allowed);
      this.otel?.countDecision(scopes, view.decision.allowed);
    }
    if (this.otel !== undefined) {
      if (view.scopes.length > 0) this.otel.annotate((i) => view.scopes[i].name, view.decision, shadowRefused);
      else this.otel.annotate((r) => scopes[ownerOf(r, scopes.length, built.owners)].name, merged, shadowRefused);
    }
    if (view.decision.allowed) return undefined;
    const refused = refusedScope(view.decision);
    const state = view.decision.states[refused];
    const limit = state.limit ?? view.rules[refused].limit;
    return { status: 429, refusal: { scope: view.scopes[refused].name, limit, remaining: state.remaining, retryAfter } };
  }

  /** Counts each scope (a shadow scope that refused as `shadow_throttled`) and logs one debug line per shadow refusal; whether there was one. */
  private shadowReport(scopes: readonly CompiledScope[], built: RequestRules, decision: ThrottleDecision, allowed: boolean): boolean {
    const refusing = new Set<number>();
    decision.states.forEach((state, r) => {
      if (state.retryAfterMs > 0) refusing.add(ownerOf(r, scopes.length, built.owners));
    });
    scopes.forEach((s, i) => {
      const shadowRefused = s.shadow && refusing.has(i);
      if (shadowRefused) this.logger.debug(`shadow scope "${s.name}" would have refused this request (not enforced)`);
      const result = shadowRefused ? 'shadow_throttled' : allowed ? 'allowed' : 'throttled';
      this.metrics?.countResult(s.name, result);
      this.otel?.countResult(s.name, result);
    });
    return scopes.some((s, i) => s.shadow && refusing.has(i));
  }
}
