import { ExecutionContext, HttpException, HttpStatus } from '@nestjs/common';
import type { OnThrottled, ThrottleRefusal } from '../options/throttle-options';
import { ThrottleHookError } from '../options/hook-error';
import { hookFailureException, reportHookFailure } from './hook-failure';
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
 * Shapes a refusal: the contract's 429 by default, an `application/problem+json` body for
 * `onThrottled: 'problem+json'`, or whatever an `onThrottled` function returns (a body, sent with 429,
 * or an `HttpException`). The guard throws the exception; the Fastify fast lane sends it. An
 * `onThrottled` that throws gives a 500 and one log line naming it.
 */
export function refusalResponse(
  onThrottled: OnThrottled | undefined,
  facts: RefusalFacts,
  request: any,
  context: ExecutionContext | undefined,
): RefusalResponse {
  if (onThrottled === undefined) return { exception: new ThrottleException(facts.scope, facts.retryAfter) };
  if (onThrottled === 'problem+json')
    return { exception: new HttpException(problemBody(facts), HttpStatus.TOO_MANY_REQUESTS), contentType: 'application/problem+json' };
  let shaped: unknown;
  try {
    shaped = onThrottled({ ...facts, request, context });
  } catch (error) {
    reportHookFailure(new ThrottleHookError('onThrottled', facts.scope, error));
    return { exception: hookFailureException() };
  }
  return {
    exception: shaped instanceof HttpException ? shaped : new HttpException(shaped as object | string, HttpStatus.TOO_MANY_REQUESTS),
  };
}

/** An RFC 9457 problem document for an exceeded quota, with the contract's `scope` and `retryAfter` as extensions. */
function problemBody(facts: RefusalFacts) {
  const unit = facts.retryAfter === 1 ? 'second' : 'seconds';
  return {
    type: QUOTA_EXCEEDED_TYPE,
    title: 'Request cannot be satisfied as assigned quota has been exceeded',
    status: 429,
    detail: `Request was throttled. Expected available in ${facts.retryAfter} ${unit}.`,
    scope: facts.scope,
    retryAfter: facts.retryAfter,
  };
}
