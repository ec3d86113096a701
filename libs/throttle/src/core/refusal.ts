import { ExecutionContext, HttpException, HttpStatus } from '@nestjs/common';
import type { OnThrottled, ThrottleRefusal } from '../options/throttle-options';
import { ThrottleHookError } from '../options/hook-error';
import { hookFailureException, reportHookFailure } from './hook-failure';
import { stackless } from './stackless';
import { ThrottleException } from './throttle.exception';

/** The rate-limit draft's problem type for an exceeded quota (draft-ietf-httpapi-ratelimit-headers, section "Problem Types"). */
export const QUOTA_EXCEEDED_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded';

/** A refusal as the decision sequence reports it (the request and context are added by the caller). */
export type RefusalFacts = Omit<ThrottleRefusal, 'request' | 'context'>;

/** The exception a refusal becomes, and the content type its body needs (when not JSON). */
export interface RefusalResponse {
  readonly exception: HttpException;
  readonly contentType?: string;
}

/**
 * Shapes a refusal as the guard throws it: the contract's 429 by default, an `application/problem+json`
 * body for `onThrottled: 'problem+json'`, or whatever an `onThrottled` function returns (a body, sent
 * with 429, or an `HttpException`). The exceptions built here capture no stack trace (see
 * {@link stackless}). An `onThrottled` that throws gives a 500 and one log line naming it. The Fastify
 * fast lane sends the same answers without an exception (`fast-lane-refusal.ts`).
 */
export function refusalResponse(
  onThrottled: OnThrottled | undefined,
  facts: RefusalFacts,
  request: any,
  context: ExecutionContext | undefined,
): RefusalResponse {
  if (onThrottled === undefined) return { exception: new ThrottleException(facts.scope, facts.retryAfter) };
  if (onThrottled === 'problem+json')
    return {
      exception: stackless(() => new HttpException(problemBody(facts.scope, facts.retryAfter), HttpStatus.TOO_MANY_REQUESTS)),
      contentType: 'application/problem+json',
    };
  const shaped = shapedRefusal(onThrottled, facts, request, context);
  if (shaped === HOOK_FAILED) return { exception: hookFailureException() };
  return {
    exception:
      shaped instanceof HttpException
        ? shaped
        : stackless(() => new HttpException(shaped as object | string, HttpStatus.TOO_MANY_REQUESTS)),
  };
}

/** What {@link shapedRefusal} returns when the app's `onThrottled` threw (already logged). */
export const HOOK_FAILED = Symbol('onThrottled threw');

/** What an `onThrottled` function makes of a refusal (a body or an exception), or {@link HOOK_FAILED} when it threw (logged once). */
export function shapedRefusal(
  onThrottled: Exclude<OnThrottled, 'problem+json'>,
  facts: RefusalFacts,
  request: any,
  context: ExecutionContext | undefined,
): unknown {
  try {
    return onThrottled({ ...facts, request, context });
  } catch (error) {
    reportHookFailure(new ThrottleHookError('onThrottled', facts.scope, error));
    return HOOK_FAILED;
  }
}

/** An RFC 9457 problem document for an exceeded quota, with the contract's `scope` and `retryAfter` as extensions. */
export function problemBody(scope: string, retryAfter: number) {
  const unit = retryAfter === 1 ? 'second' : 'seconds';
  return {
    type: QUOTA_EXCEEDED_TYPE,
    title: 'Request cannot be satisfied as assigned quota has been exceeded',
    status: 429,
    detail: `Request was throttled. Expected available in ${retryAfter} ${unit}.`,
    scope,
    retryAfter,
  };
}
