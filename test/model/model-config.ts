// The shape of one generated case of the model suite: a module config (scopes, routes, hooks) and the
// requests sent to it, plus the requests' view as the hooks of the app read it (headers, source address).
import type { ThrottleAlgorithm, ThrottleModuleOptions } from 'nest-scoped-throttle';

/** Which rate-limit headers the module sends. */
export type HeaderMode = Exclude<ThrottleModuleOptions['headers'], boolean | undefined>;

/** A rate as the model counts it: `limit` units per `windowMs`. */
export interface ModelRate {
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Where a scope reads its tier: `header` (`header:x-plan`) or `query` (`query:plan`), client-chosen:
 * decided in addition to the scope's rate; `user` (`user:plan`, set by the app's authentication) or
 * `function`, server-chosen: they replace the rate, reading the plan the test sends in `x-user-plan`.
 */
export type TierSource = 'header' | 'query' | 'user' | 'function';

/** Whether the client chooses the tier (it may then only lower the scope's rate). */
export const clientChosen = (source: TierSource): boolean => source === 'header' || source === 'query';

/** A hook a request can make throw (it names it in `x-boom`): the response must be that request's 500. */
export type Hook = 'skipIf' | 'key' | 'tier' | 'onThrottled';

/** One generated scope. */
export interface ModelScope {
  readonly name: string;
  readonly rate: ModelRate;
  readonly algorithm: ThrottleAlgorithm;
  /** GCRA only: the scope's burst (else each rate's limit). */
  readonly burst?: number;
  /** The scope's own cost (default 1). */
  readonly cost?: number;
  readonly shadow: boolean;
  /**
   * `ip` (default), `header` (`header:x-client`, missing: IP), `user` (`request.user.id`, set with a plan,
   * else IP) or `function` (`x-client`, else "anon").
   */
  readonly key: 'ip' | 'header' | 'user' | 'function';
  readonly tier?: { readonly source: TierSource; readonly tiers: Readonly<Record<string, ModelRate>> };
  /** Allow-lists {@link ALLOWED_CLIENT}. */
  readonly allow: boolean;
  /** A `skipIf` that skips the scope when the request's `x-skip` names it. */
  readonly skipIf: boolean;
  /** `blockFor` in ms (sliding log only): a refusal blocks the client that long (issue 21). */
  readonly blockMs?: number;
  /** Which admitted requests count, by their response's status (issue 21; default `all`). */
  readonly count?: 'all' | 'failures' | 'successes';
  /** `countIf`: the statuses that count (the app's predicate is `status => countIf.includes(status)`); never beside `count`. */
  readonly countIf?: readonly number[];
}

/** A `ThrottleService` call made between requests, for the step's client in `scopes[scope]` (issue 21). */
export interface ServiceCall {
  readonly kind: 'check' | 'consume' | 'refund' | 'reset' | 'block';
  readonly scope: number;
  readonly cost?: number;
  /** `block`'s duration. */
  readonly blockMs?: number;
}

/** One route: its scopes in `@ThrottleScope` order, and its `@ThrottleCost`. */
export interface ModelRoute {
  readonly scopes: readonly string[];
  readonly cost?: number;
}

/** How refusals are shaped: the contract's body, `problem+json`, or an `onThrottled` function's own body (it may throw). */
export type RefusalShape = 'default' | 'problem' | 'custom';

export interface ModelConfig {
  readonly scopes: readonly ModelScope[];
  readonly routes: readonly ModelRoute[];
  readonly onThrottled: RefusalShape;
  /** The module's `headers` option (default `both`). */
  readonly headers?: HeaderMode;
}

/** One request of a sequence, sent after the fake clock advanced `advanceMs`. */
export interface ModelStep {
  readonly advanceMs: number;
  readonly route: number;
  /** Index into {@link CLIENTS}. */
  readonly client: number;
  readonly xClient?: string;
  /** `x-plan` and `?plan=` (client-chosen tier). */
  readonly plan?: string;
  /** `x-user-plan` (server-chosen tier, through authentication or a tier function). */
  readonly userPlan?: string;
  /** Scopes whose `skipIf` says skip. */
  readonly skip?: readonly string[];
  readonly boom?: Hook;
  /** The status the handler answers (`?status=`; default 200). */
  readonly status?: number;
  /** Instead of a request: a `ThrottleService` call for this step's client. */
  readonly call?: ServiceCall;
}

/** A generated case: the module and what its clients send. */
export interface ModelCase {
  readonly config: ModelConfig;
  readonly steps: readonly ModelStep[];
}

/** The loopback addresses requests come from (each its own IP identity). */
export const CLIENTS: readonly string[] = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
/** The client every `allow` list names. */
export const ALLOWED_CLIENT = '127.0.0.3';

/** The rate string of a model rate: `5/10s`, `3/s`. */
export function rateString(rate: ModelRate): string {
  const seconds = rate.windowMs / 1000;
  return `${rate.limit}/${seconds === 1 ? '' : seconds}s`;
}

/** Units a request may cost under a rate of the scope: the rate's limit (sliding log) or the scope's burst, else the limit (GCRA). */
export function capacity(scope: Pick<ModelScope, 'algorithm' | 'burst'>, rate: ModelRate): number {
  return scope.algorithm === 'gcra' ? (scope.burst ?? rate.limit) : rate.limit;
}

/** The largest cost every rate of a scope holds (boot refuses a larger one). */
export function maxCost(scope: ModelScope): number {
  const rates = [scope.rate, ...Object.values(scope.tier?.tiers ?? {})];
  return Math.min(...rates.map((r) => capacity(scope, r)));
}

/** The headers of a step, as the test client sends them. */
export function stepHeaders(step: ModelStep): Record<string, string> {
  const headers: Record<string, string> = {};
  if (step.xClient !== undefined) headers['x-client'] = step.xClient;
  if (step.plan !== undefined) headers['x-plan'] = step.plan;
  if (step.userPlan !== undefined) headers['x-user-plan'] = step.userPlan;
  if (step.skip !== undefined && step.skip.length > 0) headers['x-skip'] = step.skip.join(',');
  if (step.boom !== undefined) headers['x-boom'] = step.boom;
  return headers;
}
