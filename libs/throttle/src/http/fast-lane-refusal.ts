import { HttpException } from '@nestjs/common';
import type { OnThrottled } from '../options/throttle-options';
import { hookFailureBody } from '../core/hook-failure';
import { HOOK_FAILED, problemBody, RefusalFacts, shapedRefusal } from '../core/refusal';
import { RefusalBodies } from '../core/refusal-bodies';
import { throttledBody } from '../core/throttle.exception';

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/**
 * The Fastify fast lane's refusals, answered without an exception: the same status, content type and
 * body as the guard's exception gets from Nest's filter (the contract's 429, its problem+json form, or
 * what an `onThrottled` function returns), the default bodies serialized once per scope and
 * `Retry-After` ({@link RefusalBodies}).
 *
 * @example
 * const refusals = new FastLaneRefusals(config.onThrottled);
 * refusals.send(verdict.refusal, request, reply);
 */
export class FastLaneRefusals {
  private readonly bodies?: RefusalBodies;
  private readonly type: string = JSON_TYPE;

  constructor(private readonly onThrottled: OnThrottled | undefined) {
    if (onThrottled === undefined) this.bodies = new RefusalBodies((scope, s) => JSON.stringify(throttledBody(scope, s)));
    else if (onThrottled === 'problem+json') {
      this.bodies = new RefusalBodies((scope, s) => JSON.stringify(problemBody(scope, s)));
      this.type = PROBLEM_TYPE;
    }
  }

  /** Sends the refusal (or the 500 of an `onThrottled` that threw, logged once). */
  send(facts: RefusalFacts, request: any, reply: any): void {
    if (this.bodies !== undefined)
      return void reply.code(429).header('content-type', this.type).send(this.bodies.get(facts.scope, facts.retryAfter));
    const shaped = shapedRefusal(this.onThrottled as Exclude<OnThrottled, 'problem+json'>, facts, request, undefined);
    if (shaped === HOOK_FAILED) return void reply.code(500).send(hookFailureBody());
    if (!(shaped instanceof HttpException)) return void reply.code(429).send(asErrorBody(shaped, 429));
    reply.code(shaped.getStatus()).send(asErrorBody(shaped.getResponse(), shaped.getStatus()));
  }
}

/** As Nest's exception filter answers an exception's response: a string body becomes `{ statusCode, message }`. */
function asErrorBody(body: unknown, status: number): unknown {
  return typeof body === 'string' ? { statusCode: status, message: body } : body;
}
