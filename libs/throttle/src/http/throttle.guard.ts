import { CanActivate, ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { GraphqlThrottle } from '../contexts/graphql-context';
import { WsThrottle } from '../contexts/ws-context';
import { THROTTLE_CONFIG } from '../module/throttle.tokens';
import type { ThrottleConfig } from '../options/normalize-options';
import { hookFailureException } from './hook-failure';
import { refusalResponse } from './refusal';
import { RoutePlans } from './route-plans';
import { isPending, THROTTLE_DECIDED, ThrottleDecider, Verdict } from './throttle-decision';
import { ThrottleStoreUnavailableException } from './throttle.exception';
import { shedResponse } from '../shedding/shed-response';

/**
 * The guard that decides HTTP routes (the module calls it globally; name it in a route's own `@UseGuards`
 * to decide that route after your authentication): asks the store once for all of the route's scopes, writes the
 * rate-limit headers, and throws a 429 (shaped by `onThrottled`) or the `deny` policy's 503 when
 * refused. GraphQL resolvers and WebSocket gateway handlers are handed to their own context
 * ({@link GraphqlThrottle}, {@link WsThrottle}); other contexts (microservices) are not throttled. Idempotent per request: a request already decided (by the Fastify fast lane, or by this guard
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
    private readonly graphql: GraphqlThrottle,
    private readonly ws: WsThrottle,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const type = context.getType<string>();
    if (type === 'http') return this.http(context);
    if (type === 'graphql') return this.graphql.canActivate(context);
    if (type === 'ws') return this.ws.canActivate(context);
    return true;
  }

  private http(context: ExecutionContext): boolean | Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest();
    if (request[THROTTLE_DECIDED] !== undefined) return true;
    const plan = this.routes.planFor(context.getHandler(), context.getClass());
    if (plan === null) {
      request[THROTTLE_DECIDED] = null;
      return true;
    }
    const response = http.getResponse();
    request[THROTTLE_DECIDED] = plan;
    const verdict = this.decider.decide(plan, request, context, response);
    const admit = (v: Verdict): boolean => {
      if (v === undefined) return true;
      if (v.status === 503 && v.shed !== undefined) {
        const shed = shedResponse(this.config.onThrottled, v.shed);
        setHeader(response, 'Retry-After', String(v.shed.retryAfter));
        if (shed.contentType !== undefined) sendTyped(response, shed.exception, shed.contentType);
        throw shed.exception;
      }
      if (v.status === 503) throw new ThrottleStoreUnavailableException();
      if (v.status === 500) throw hookFailureException(); // the hook's failure is logged once, by the decider
      const refusal = refusalResponse(this.config.onThrottled, v.refusal, request, context);
      if (refusal.contentType !== undefined) sendTyped(response, refusal.exception, refusal.contentType);
      throw refusal.exception;
    };
    return isPending(verdict) ? verdict.then(admit) : admit(verdict);
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
