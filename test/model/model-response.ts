// What a client must see, from the model's decision: status, the rate-limit headers (design.md's HTTP
// contract, issue 17's rules for scopes under two rules and for shadow scopes) and the body.
import type { ThrottleRule } from 'nest-scoped-throttle';
import type { ModelConfig, ModelStep } from './model-config';

/** The state of one rule after a decision (the ReferenceModel's `RuleState`). */
export interface ModelState {
  readonly remaining: number;
  readonly resetMs: number;
  readonly retryAfterMs: number;
}

/** One enforced, unskipped scope of a request: its deciding rules and their states. */
export interface ScopeOutcome {
  readonly name: string;
  readonly rules: readonly ThrottleRule[];
  readonly states: readonly ModelState[];
}

/** The header names the suite compares (lower case, as HTTP clients read them). */
export const COMPARED_HEADERS = [
  'ratelimit-policy',
  'ratelimit',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
];

/** A response as the model predicts it; `headers` and `body` are left out for a 500 (only its status is fixed). */
export interface Expected {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** Another answer the app may give instead (a refusal by the store rather than by its deny cache). */
  readonly or?: Expected;
}

/** Whole seconds, rounded up. */
const seconds = (ms: number): number => (ms <= 0 ? 0 : Math.ceil(ms / 1000));

/** One rule of a scope, with its state. */
interface Picked {
  readonly rule: ThrottleRule;
  readonly state: ModelState;
}

/**
 * The scope the X- headers and the 429 describe (design.md): refused, the refusing scope that frees up
 * last (tie: the first); else the one with the least remaining (tie: the longer reset, then the first).
 */
export function mostRestrictive<T extends Picked>(items: readonly T[]): T {
  const refusing = items.filter((p) => p.state.retryAfterMs > 0);
  if (refusing.length > 0) return refusing.reduce((a, b) => (b.state.retryAfterMs > a.state.retryAfterMs ? b : a));
  return items.reduce((a, b) => (leavesLess(b.state, a.state) ? b : a));
}

/**
 * The rule a scope's one header entry describes when two rules decide it (issue 17): refused, the
 * refusing rule that frees up last; else the one with the least remaining (tie: the longer reset). An
 * exact tie in freeing up, which the issue leaves open, goes to the one that leaves less (the library's choice).
 */
export function scopeEntry(items: readonly Picked[]): Picked {
  return items.reduce((a, b) => {
    if (b.state.retryAfterMs !== a.state.retryAfterMs) return b.state.retryAfterMs > a.state.retryAfterMs ? b : a;
    return leavesLess(b.state, a.state) ? b : a;
  });
}

const leavesLess = (a: ModelState, b: ModelState) => a.remaining < b.remaining || (a.remaining === b.remaining && a.resetMs > b.resetMs);

/** The response the model expects for one step. */
export function expectedResponse(
  config: Pick<ModelConfig, 'onThrottled' | 'headers'>,
  step: ModelStep,
  allowed: boolean,
  outcomes: readonly ScopeOutcome[],
): Expected {
  const shape = config.onThrottled;
  const mode = config.headers ?? 'both';
  const headers: Record<string, string | undefined> = Object.fromEntries(COMPARED_HEADERS.map((h) => [h, undefined]));
  const picks = outcomes.map((o) => ({ name: o.name, ...scopeEntry(o.rules.map((rule, i) => ({ rule, state: o.states[i] }))) }));
  if (picks.length > 0 && (mode === 'both' || mode === 'ietf')) {
    headers['ratelimit-policy'] = picks.map((p) => `"${p.name}";q=${p.rule.limit};w=${p.rule.windowMs / 1000}`).join(', ');
    headers['ratelimit'] = picks
      .map(
        (p) =>
          `"${p.name}";r=${p.state.remaining};t=${seconds(allowed ? p.state.resetMs : Math.max(p.state.resetMs, p.state.retryAfterMs))}`,
      )
      .join(', ');
  }
  if (picks.length > 0 && (mode === 'both' || mode === 'legacy')) {
    const top = mostRestrictive(picks);
    headers['x-ratelimit-limit'] = String(top.rule.limit);
    headers['x-ratelimit-remaining'] = String(top.state.remaining);
    headers['x-ratelimit-reset'] = String(seconds(allowed ? top.state.resetMs : top.state.retryAfterMs));
  }
  const status = step.status ?? 200;
  if (allowed) return { status, headers, body: status === 200 ? { route: step.route } : { route: step.route, status } };
  const top = mostRestrictive(picks);
  const retryAfter = Math.max(1, seconds(top.state.retryAfterMs));
  headers['retry-after'] = String(retryAfter);
  if (shape === 'custom') {
    if (step.boom === 'onThrottled') return { status: 500 };
    return { status: 429, headers, body: { custom: top.name, retryAfter, limit: top.rule.limit, remaining: top.state.remaining } };
  }
  return { status: 429, headers, body: shape === 'problem' ? problemBody(top.name, retryAfter) : contractBody(top.name, retryAfter) };
}

const unitOf = (retryAfter: number) => (retryAfter === 1 ? 'second' : 'seconds');

/** The 429 body design.md fixes. */
export function contractBody(scope: string, retryAfter: number) {
  return {
    statusCode: 429,
    error: 'Too Many Requests',
    message: `Request was throttled. Expected available in ${retryAfter} ${unitOf(retryAfter)}.`,
    scope,
    retryAfter,
  };
}

/** The `problem+json` body (RFC 9457, the rate-limit draft's quota-exceeded type). */
function problemBody(scope: string, retryAfter: number) {
  return {
    type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
    title: 'Request cannot be satisfied as assigned quota has been exceeded',
    status: 429,
    detail: `Request was throttled. Expected available in ${retryAfter} ${unitOf(retryAfter)}.`,
    scope,
    retryAfter,
  };
}

/** The `deny` policy's 503 body. */
export function storeUnavailableBody() {
  return {
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'Rate limit store unavailable; request refused (onStoreError: deny). Retry shortly.',
  };
}
