import type { CompiledScope } from '../options/compile-scope';
import { policyItem } from '../options/scope-rate';
import type { HeaderMode } from '../options/throttle-options';
import type { ThrottleDecision, ThrottleRule } from '../storage/throttle-storage';
import { mostRestrictive, refusedScope } from '../storage/scope-pick';

/** Whole seconds, rounded up: what every header reports. */
export function toSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

/** A response object of Fastify (`reply.header`) or Express (`res.setHeader`). */
export type HeaderSink = { header?: (name: string, value: string) => unknown; setHeader?: (name: string, value: string) => unknown };

/**
 * Writes the HTTP contract's headers: `RateLimit-Policy`, `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10;
 * mode `ietf` or `both`), `X-RateLimit-*` for the most restrictive scope (mode `legacy` or `both`), and
 * `Retry-After` on a refusal (always). Limits are the ones the store decided under (a state's own `limit`,
 * the `local` fallback's share, else the rule's: the client's tier's or the scope's). Returns Retry-After
 * in seconds (0 if admitted). `policy` is the scopes' own policy, used when every rule has its scope's rate.
 *
 * @example
 * // RateLimit-Policy: "hi";q=60;w=60
 * // RateLimit: "hi";r=59;t=60
 */
export function writeHeaders(
  res: HeaderSink,
  scopes: readonly CompiledScope[],
  rules: readonly ThrottleRule[],
  policy: string,
  decision: ThrottleDecision,
  mode: HeaderMode,
): number {
  const pick = mostRestrictive(decision);
  const state = decision.states[pick];
  if (mode === 'both' || mode === 'ietf') {
    let rateLimit = '';
    let ownLimits = false;
    for (let i = 0; i < scopes.length; i++) {
      const s = decision.states[i];
      const t = toSeconds(decision.allowed ? s.resetMs : Math.max(s.resetMs, s.retryAfterMs));
      rateLimit += `${i === 0 ? '' : ', '}"${scopes[i].name}";r=${s.remaining};t=${t}`;
      if (s.limit !== undefined || rules[i].limit !== scopes[i].limit || rules[i].windowMs !== scopes[i].windowMs) ownLimits = true;
    }
    put(res, 'RateLimit-Policy', ownLimits ? policyDecided(scopes, rules, decision) : policy);
    put(res, 'RateLimit', rateLimit);
  }
  if (mode === 'both' || mode === 'legacy') {
    put(res, 'X-RateLimit-Limit', String(state.limit ?? rules[pick].limit));
    put(res, 'X-RateLimit-Remaining', String(state.remaining));
    put(res, 'X-RateLimit-Reset', String(toSeconds(decision.allowed ? state.resetMs : state.retryAfterMs)));
  }
  if (decision.allowed) return 0;
  const retryAfter = retryAfterSeconds(decision);
  put(res, 'Retry-After', String(retryAfter));
  return retryAfter;
}

/** Sets one header on a Fastify reply or a Node/Express response (no bound function per request). */
function put(res: HeaderSink, name: string, value: string): void {
  if (typeof res.header === 'function') res.header(name, value);
  else res.setHeader!(name, value);
}

/** `Retry-After` of a refused decision: whole seconds, rounded up, at least 1, for the scope that frees up last. */
export function retryAfterSeconds(decision: ThrottleDecision): number {
  return Math.max(1, toSeconds(decision.states[refusedScope(decision)].retryAfterMs));
}

/** The policy the store actually applied, when it is not the scopes' own: a client's tier, the `local` fallback's share. */
function policyDecided(scopes: readonly CompiledScope[], rules: readonly ThrottleRule[], decision: ThrottleDecision): string {
  return scopes.map((scope, i) => policyItem(scope.name, decision.states[i].limit ?? rules[i].limit, rules[i].windowMs)).join(', ');
}
