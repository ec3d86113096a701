import type { ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { MonotonicClock, ThrottleClock } from '../clock';
import { controlCounters } from '../metrics/control-counter';
import { OtelThrottleMetrics } from '../metrics/otel-metrics';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import { THROTTLE_CONFIG } from './throttle.tokens';
import type { CompiledScope, ThrottleConfig } from '../options/normalize-options';
import { MemoryThrottleStorage } from '../storage/memory/memory.storage';
import { ThrottleDecision, ThrottleRule, ThrottleStorage, ThrottleStoreUnavailableError } from '../storage/throttle-storage';
import { HeaderSink, retryAfterSeconds, writeHeaders } from './headers';
import type { RefusalFacts } from './refusal';
import { policyOf, RoutePlan } from './route-plans';
import { ThrottleHookError } from '../options/hook-error';
import { reportHookFailure } from './hook-failure';
import { buildRules, RequestRules } from './rule-builder';
import { enforcedView, ownerOf } from './scope-states';
import { refusedScope } from '../storage/scope-pick';
import { RefusalBlocks } from './refusal-blocks';
import { OutcomeSettler } from './outcome-settle';
import { LeaseGate, LeaseVerdicts } from './lease-gate';
import { LoadShedder, ShedFacts } from '../shedding/load-shedder';

/**
 * Set on an HTTP request once it is decided (by the fast lane or the guard): the plan that decided it, or null.
 * The HTTP callers set it, not {@link ThrottleDecider.decide}: a GraphQL field decided on the same HTTP request
 * must neither mark it (the next field would pass unchecked) nor teach the fast lane a plan for `/graphql`.
 */
export const THROTTLE_DECIDED = Symbol('throttle.decided');

/**
 * How a decided request ends: admitted (`undefined`), refused (429), refused because the store cannot
 * decide (503), shed under load (503 with `shed`), or failed because one of the app's hooks threw (500; already logged).
 */
export type Verdict =
  | undefined
  | { readonly status: 429; readonly refusal: RefusalFacts }
  | { readonly status: 503; readonly shed?: ShedFacts }
  | { readonly status: 500 };

const UNAVAILABLE: Verdict = { status: 503 };
const LEASE_VERDICTS: LeaseVerdicts<Verdict> = {
  admitted: (verdict) => verdict === undefined,
  refused: (refusal) => ({ status: 429, refusal }),
};
const HOOK_FAILED: Verdict = { status: 500 };

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
  private readonly logger = new Logger('Throttle');
  private readonly blocks?: RefusalBlocks;
  /** The store is the embedded memory store: short identities are their own keys (see `scopeStoreKey`). */
  private readonly rawKeys: boolean;
  /** Settles admitted requests by outcome when a scope counts by outcome (`count`, `countIf`). */
  readonly outcomes?: OutcomeSettler;

  constructor(
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
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
      if (!plan.plain) scopes = this.unskipped(plan.scopes, request, context);
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
        const admitted = (v: Verdict): Verdict => (v === undefined && outcomes.settleAfter(response, context, scopes, built.rules), v);
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
    if (this.blocks === undefined || view.decision.allowed) return this.report(scopes, built, policy, view, response, shadowed ?? decision);
    // A refusal by a scope that blocks reports the block that holds, which the store may have to say.
    const blocked = this.blocks.apply(view.scopes, view.rules, view.decision);
    const report = (d: ThrottleDecision) => this.report(scopes, built, policy, { ...view, decision: d }, response, shadowed ?? decision);
    return isPromise(blocked) ? blocked.then(report) : report(blocked);
  }

  /** Writes the headers of the enforced scopes' decision, counts it, and gives the verdict. */
  private report(
    scopes: readonly CompiledScope[],
    built: RequestRules,
    policy: string,
    view: ReturnType<typeof enforcedView>,
    response: HeaderSink | undefined,
    decision: ThrottleDecision,
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
      else this.otel.annotate((r) => scopes[ownerOf(r, scopes.length, built.owners)].name, decision, shadowRefused);
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

/** Whether every rule that refused belongs to a scope in shadow mode. */
function refusedByShadowOnly(scopes: readonly CompiledScope[], built: RequestRules, decision: ThrottleDecision): boolean {
  let refusing = 0;
  for (let r = 0; r < decision.states.length; r++) {
    if (decision.states[r].retryAfterMs <= 0) continue;
    if (!scopes[ownerOf(r, scopes.length, built.owners)].shadow) return false;
    refusing++;
  }
  return refusing > 0;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

/** Whether {@link ThrottleDecider.decide} answered with a promise. */
export const isPending: (verdict: Verdict | Promise<Verdict>) => verdict is Promise<Verdict> = isPromise;
