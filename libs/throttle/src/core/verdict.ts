import type { RefusalFacts } from './refusal';
import type { LeaseVerdicts } from './lease-gate';
import type { ShedFacts } from '../shedding/load-shedder';

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

export const UNAVAILABLE: Verdict = { status: 503 };
export const LEASE_VERDICTS: LeaseVerdicts<Verdict> = {
  admitted: (verdict) => verdict === undefined,
  refused: (refusal) => ({ status: 429, refusal }),
};
export const HOOK_FAILED: Verdict = { status: 500 };

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

/** Whether {@link ThrottleDecider.decide} answered with a promise. */
export const isPending: (verdict: Verdict | Promise<Verdict>) => verdict is Promise<Verdict> = isPromise;
