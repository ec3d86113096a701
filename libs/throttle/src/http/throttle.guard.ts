import { CanActivate, ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { THROTTLE_CONFIG } from '../core/throttle.tokens';
import type { ThrottleConfig } from '../options/normalize-options';
import type { ContextThrottles } from '../core/decide-once';
import { THROTTLE_CONTEXTS } from '../core/decide-once';
import { hookFailureException } from '../core/hook-failure';
import { refusalResponse } from '../core/refusal';
import { RoutePlans } from '../core/route-plans';
import { isPending, THROTTLE_DECIDED, ThrottleDecider, Verdict } from '../core/decider';
import { ThrottleStoreUnavailableException } from '../core/throttle.exception';
import { shedResponse } from './shed-response';

/**
 * The guard that decides HTTP routes (the module calls it globally; name it in a route's own `@UseGuards`
 * to decide that route after your authentication): asks the store once for all of the route's scopes, writes the
 * rate-limit headers, and throws a 429 (shaped by `onThrottled`) or the `deny` policy's 503 when
 * refused. Other context types are handed to the handler the module registered for them
 * (`THROTTLE_CONTEXTS`: GraphQL resolvers, WebSocket gateway handlers); a type with none (microservices) is not throttled. Idempotent per request: a request already decided (by the Fastify fast lane, or by this guard
 * named twice) passes straight through and is counted once. `overrideGuard(ThrottleGuard)` in a testing
 * module replaces it everywhere, the global use included.
 *
 * @example
 * // Throttle after your own auth guard (user keys, user: tiers): the global guard leaves this route to it.
 * @UseGuards(AuthGuard, ThrottleGuard) @ThrottleScope('api') @Controller('api') class ApiController {}
 */
@Injectable()
export class ThrottleGuard implements CanActivate {
  constructor(
    private readonly routes: RoutePlans,
    private readonly decider: ThrottleDecider,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    @Inject(THROTTLE_CONTEXTS) private readonly contexts: ContextThrottles,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const type = context.getType<string>();
    if (type === 'http') return this.http(context);
    return this.contexts.get(type)?.canActivate(context) ?? true;
  }

  private http(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.getArgByIndex(0); // the request, as switchToHttp().getRequest() (which allocates) gives it
    if (request[THROTTLE_DECIDED] !== undefined) return true; // the fast lane decided it: nothing more per request
    const plan = this.routes.planFor(context.getHandler(), context.getClass());
    if (plan === null) {
      request[THROTTLE_DECIDED] = null;
      return true;
    }
    const response = context.getArgByIndex(1);
    request[THROTTLE_DECIDED] = plan;
    const verdict = this.decider.decide(plan, request, context, response);
    if (!isPending(verdict)) return this.admit(verdict, request, context, response);
    return verdict.then((v) => this.admit(v, request, context, response));
  }

  private admit(verdict: Verdict, request: any, context: ExecutionContext, response: any): boolean {
    if (verdict === undefined) return true;
    if (verdict.status === 503 && verdict.shed !== undefined) {
      const shed = shedResponse(this.config.onThrottled, verdict.shed);
      setHeader(response, 'Retry-After', String(verdict.shed.retryAfter));
      if (shed.contentType !== undefined) sendTyped(response, shed.exception, shed.contentType);
      throw shed.exception;
    }
    if (verdict.status === 503) throw new ThrottleStoreUnavailableException();
    if (verdict.status === 500) throw hookFailureException(); // the hook's failure is logged once, by the decider
    const refusal = refusalResponse(this.config.onThrottled, verdict.refusal, request, context);
    if (refusal.contentType !== undefined) sendTyped(response, refusal.exception, refusal.contentType);
    throw refusal.exception;
  }
}

/**
 * Sends a body whose content type is not plain JSON (problem+json) right away: Nest's exception filters
 * would answer it as `application/json` (Express's adapter rewrites the type of error bodies). The
 * exception is still thrown to stop the pipeline; the filter sees the response sent and only ends it.
 */
function sendTyped(response: any, exception: HttpException, contentType: string): void {
  const body = JSON.stringify(exception.getResponse());
  if (typeof response.code === 'function' && 'sent' in response) {
    response.code(exception.getStatus()).header('Content-Type', contentType).send(body); // Fastify reply
    return;
  }
  response.statusCode = exception.getStatus(); // Node / Express response
  response.setHeader('Content-Type', contentType);
  response.end(body);
}

function setHeader(response: any, name: string, value: string): void {
  if (typeof response.header === 'function') response.header(name, value);
  else response.setHeader(name, value);
}
