import { HttpException, HttpStatus } from '@nestjs/common';
import type { OnThrottled } from '../options/throttle-options';
import type { ShedFacts } from '../shedding/load-shedder';

/** The rate-limit draft's problem type for a request refused while the service sheds load. */
export const REDUCED_CAPACITY_TYPE = 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity';

/**
 * The 503 of a shed request: `{ statusCode: 503, error, message, priority, retryAfter }`, or under
 * `onThrottled: 'problem+json'` an RFC 9457 document of type `temporary-reduced-capacity`
 * (content type `application/problem+json`). `Retry-After` is the caller's to set.
 *
 * @example
 * shedResponse('problem+json', { priority: 'low', retryAfter: 1 }).exception.getStatus(); // 503
 */
export function shedResponse(onThrottled: OnThrottled | undefined, facts: ShedFacts): { exception: HttpException; contentType?: string } {
  const unit = facts.retryAfter === 1 ? 'second' : 'seconds';
  const detail = `The service is overloaded and shed this ${facts.priority}-priority request. Retry in ${facts.retryAfter} ${unit}.`;
  if (onThrottled === 'problem+json') {
    const body = { type: REDUCED_CAPACITY_TYPE, title: 'Temporary Reduced Capacity', status: 503, detail, ...facts };
    return { exception: new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE), contentType: 'application/problem+json' };
  }
  const body = { statusCode: 503, error: 'Service Unavailable', message: detail, ...facts };
  return { exception: new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE) };
}
