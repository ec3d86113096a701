import type { ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { MonotonicClock, ThrottleClock } from '../clock';
import { controlCounters } from '../metrics/control-counter';
import { OtelThrottleMetrics } from '../metrics/otel-metrics';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import { THROTTLE_CONFIG } from './throttle.tokens';
import type { CompiledScope, ThrottleConfig } from '../options/normalize-options';
import { MemoryThrottleStorage } from '../storage/memory/memory.storage';
import { ThrottleDecision, ThrottleRule, ThrottleStorage, ThrottleStoreUnavailableError } from '../storage/throttle-storage';
import type { HeaderSink } from './headers';
import { policyOf, RoutePlan } from './route-plans';
import { ThrottleHookError } from '../options/hook-error';
import { reportHookFailure } from './hook-failure';
import { buildRules, RequestRules } from './rule-builder';
import { enforcedView, ownerOf, refusedByShadowOnly } from './scope-states';
import { RefusalBlocks } from './refusal-blocks';
import { OutcomeSettler } from './outcome-settle';
import { LeaseGate } from './lease-gate';
import { LoadShedder } from '../shedding/load-shedder';
import { DecisionReporter } from './decision-report';
import { unskippedScopes } from './skipped-scopes';
import { HOOK_FAILED, isPromise, LEASE_VERDICTS, UNAVAILABLE, Verdict } from './verdict';

export { isPending, THROTTLE_DECIDED } from './verdict';
export type { Verdict } from './verdict';

/**
 * The one decision sequence of the guard, the Fastify fast lane and other contexts: drop the scopes the
 * request skips (allow list, `skipIf`), resolve each remaining scope's identity and tier into store
 * rules, ask the store once for all of them (without a promise when the store can answer at once), let
 * shadow scopes report without refusing, write the enforced scopes' rate-limit headers, count the
 * decision. The caller admits or refuses. A hook that throws (key, tier, `skipIf`) is logged once and
 * gives a 500 verdict; shadow scopes never refuse, not even when the store is down.
 */
@Injectable()
export class ThrottleDecider {
  private readonly metrics?: ThrottleMetrics;
  private readonly otel?: OtelThrottleMetrics;
  private readonly reporter: DecisionReporter;
  private readonly blocks?: RefusalBlocks;
  /** The store is the embedded memory store: short identities are their own keys (see `scopeStoreKey`). */
  private readonly rawKeys: boolean;
  /** Settles admitted requests by outcome when a scope counts by outcome (`count`, `countIf`). */
  readonly outcomes?: OutcomeSettler;

  constructor(
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) config: ThrottleConfig,
    @Optional() metrics?: ThrottleMetrics,
    @Optional() otel?: OtelThrottleMetrics,
    @Optional() clock?: ThrottleClock,
    /** Concurrency limits (`concurrency` scopes); undefined when no scope has one. */
    @Optional() readonly leases?: LeaseGate,
    /** Load shedding (`shed`); undefined when off. */
    @Optional() private readonly shedder?: LoadShedder,
  ) {
    this.metrics = metrics ?? undefined;
    this.rawKeys = storage instanceof MemoryThrottleStorage;
    this.otel = otel ?? undefined;
    this.reporter = new DecisionReporter(this.metrics, this.otel, config);
    const controls = controlCounters(this.metrics, this.otel);
    this.blocks = RefusalBlocks.of(config.scopes.values(), storage, clock ?? new MonotonicClock(), controls);
    if (OutcomeSettler.needed([...config.scopes.values()])) this.outcomes = new OutcomeSettler(storage, controls);
  }

  /** Forgets what this process learned of these keys' blocks (`ThrottleService.reset` lifted them). */
  forgetBlocks(keys: readonly string[]): void {
    this.blocks?.forget(keys);
  }

  /** Decides one request under `plan`, writing headers to `response` when there is one; a promise only when the store must be asked. */
  decide(
    plan: RoutePlan,
    request: any,
    context: ExecutionContext | undefined,
    response: HeaderSink | undefined,
  ): Verdict | Promise<Verdict> {
    const shed = this.shedder?.check(plan.priority ?? 'normal');
    if (shed !== undefined) return { status: 503, shed };
    if (plan.leases === undefined || this.leases === undefined) return this.decideRates(plan, request, context, response);
    const rated = (name: string): boolean => plan.scopes.some((s) => s.name === name);
    const leaseFailed = (error: unknown): Verdict =>
      error instanceof ThrottleStoreUnavailableError ? UNAVAILABLE : this.failed(error, plan.scopes);
    try {
      const decideRates = () => this.decideRates(plan, request, context, response);
      const verdict = this.leases.around(plan.leases, request, context, response, decideRates, LEASE_VERDICTS, rated);
      return isPromise(verdict) ? verdict.catch(leaseFailed) : verdict;
    } catch (error) {
      return leaseFailed(error);
    }
  }

  /** The rate scopes' decision (see {@link decide}: concurrency leases, when the route has any, are taken first). */
  private decideRates(
    plan: RoutePlan,
    request: any,
    context: ExecutionContext | undefined,
    response: HeaderSink | undefined,
  ): Verdict | Promise<Verdict> {
    let scopes = plan.scopes;
    try {
      if (!plan.plain) scopes = unskippedScopes(plan.scopes, request, context, this.metrics, this.otel);
      if (scopes.length === 0) return undefined;
      const built = buildRules(scopes, plan.cost, request, context, this.rawKeys);
      const policy = scopes === plan.scopes ? plan.policy : policyOf(scopes);
      const decided = this.ask(built.rules);
      const outcomes =
        this.outcomes !== undefined && (response !== undefined || context !== undefined) && OutcomeSettler.needed(scopes)
          ? this.outcomes
          : undefined;
      const finish = (d: ThrottleDecision) => this.finish(scopes, policy, built, d, response, context, outcomes);
      // One derived promise per request waiting on the store: the rejection handler sits beside the settling one.
      return isPromise(decided) ? decided.then(finish, (error: unknown) => this.failed(error, scopes)) : finish(decided);
    } catch (error) {
      return this.failed(error, scopes);
    }
  }

  /** The verdict of a decision: settled (shadow scopes), admitted requests handed to the outcome settler, errors as {@link failed}. */
  private finish(
    scopes: readonly CompiledScope[],
    policy: string,
    built: RequestRules,
    decision: ThrottleDecision,
    response: HeaderSink | undefined,
    context: ExecutionContext | undefined,
    outcomes: OutcomeSettler | undefined,
  ): Verdict | Promise<Verdict> {
    try {
      let verdict = this.settle(scopes, policy, built, decision, response);
      if (outcomes !== undefined) {
        const admitted = (v: Verdict): Verdict => (
          v === undefined && outcomes.settleAfter(response, context, scopes, built.rules, built.owners),
          v
        );
        verdict = isPromise(verdict) ? verdict.then(admitted) : admitted(verdict);
      }
      return isPromise(verdict) ? verdict.catch((error: unknown) => this.failed(error, scopes)) : verdict;
    } catch (error) {
      return this.failed(error, scopes);
    }
  }

  private ask(rules: ThrottleRule[]): ThrottleDecision | Promise<ThrottleDecision> {
    const request = { rules };
    return this.storage.decideSync?.(request) ?? this.storage.consume(request);
  }

  /** The verdict of a request that threw: a hook's 500 (logged here), the store's 503 (none for shadow scopes alone). */
  private failed(error: unknown, scopes: readonly CompiledScope[]): Verdict {
    if (error instanceof ThrottleHookError) {
      reportHookFailure(error);
      return HOOK_FAILED;
    }
    if (error instanceof ThrottleStoreUnavailableError) return scopes.every((s) => s.shadow) ? undefined : UNAVAILABLE;
    throw error;
  }

  /** A refusal by shadow scopes only admits the request; its enforced scopes then decide alone (and record it). */
  private settle(
    scopes: readonly CompiledScope[],
    policy: string,
    built: RequestRules,
    decision: ThrottleDecision,
    response: HeaderSink | undefined,
  ): Verdict | Promise<Verdict> {
    if (decision.allowed || !refusedByShadowOnly(scopes, built, decision)) return this.conclude(scopes, built, policy, decision, response);
    const n = scopes.length;
    const enforced = built.rules.flatMap((_, r) => (scopes[ownerOf(r, n, built.owners)].shadow ? [] : [r]));
    const merge = (alone: ThrottleDecision | undefined): Verdict | Promise<Verdict> => {
      const states = decision.states.slice();
      enforced.forEach((r, j) => (states[r] = alone!.states[j]));
      return this.conclude(scopes, built, policy, { allowed: alone?.allowed ?? true, states }, response, decision);
    };
    if (enforced.length === 0) return merge(undefined);
    const alone = this.ask(enforced.map((r) => built.rules[r]));
    return isPromise(alone) ? alone.then(merge) : merge(alone);
  }

  private conclude(
    scopes: readonly CompiledScope[],
    built: RequestRules,
    policy: string,
    decision: ThrottleDecision,
    response: HeaderSink | undefined,
    shadowed?: ThrottleDecision,
  ): Verdict | Promise<Verdict> {
    const view = enforcedView(scopes, built, decision);
    if (this.blocks === undefined || view.decision.allowed)
      return this.reporter.report(scopes, built, policy, view, response, shadowed ?? decision, decision);
    // A refusal by a scope that blocks reports the block that holds, which the store may have to say.
    const blocked = this.blocks.apply(view.scopes, view.rules, view.decision);
    const report = (d: ThrottleDecision) =>
      this.reporter.report(scopes, built, policy, { ...view, decision: d }, response, shadowed ?? decision, decision);
    return isPromise(blocked) ? blocked.then(report) : report(blocked);
  }
}
