import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { HeaderSink } from '../core/headers';
import { ContextThrottle, decideOnce } from '../core/decide-once';
import { RoutePlan, RoutePlans } from '../core/route-plans';
import { ThrottleDecider, Verdict } from '../core/decider';
import {
  ThrottledGraphQLError,
  ThrottleHookGraphQLError,
  ThrottleShedGraphQLError,
  ThrottleStoreUnavailableGraphQLError,
} from './graphql-errors';

/** The HTTP exchange behind a GraphQL operation: the request identities read, and the response headers go to (if any). */
export interface GraphqlHttp {
  readonly request: any;
  readonly response?: HeaderSink;
}

/**
 * Finds the HTTP request (and response) in a GraphQL context object, without loading `graphql`:
 * `req` (Apollo: `@nestjs/apollo` always sets it), `request`, `reply.request` (Mercurius), or
 * `extra.request` (a graphql-ws subscription's upgrade request). The response is `res`, else `reply`,
 * else Express's `req.res`; none once its headers are sent.
 *
 * @example
 * httpOfGraphqlContext({ req, res }); // Apollo on Express: { request: req, response: res }
 * httpOfGraphqlContext({ app, reply }); // Mercurius: { request: reply.request, response: reply }
 */
export function httpOfGraphqlContext(ctx: any): GraphqlHttp | undefined {
  if (ctx === null || typeof ctx !== 'object') return undefined;
  const request = ctx.req ?? ctx.request ?? ctx.reply?.request ?? ctx.extra?.request;
  if (request === null || typeof request !== 'object') return undefined;
  const response = ctx.res ?? ctx.reply ?? request.res;
  return { request, response: writable(response) ? response : undefined };
}

function writable(response: any): response is HeaderSink {
  if (response === null || typeof response !== 'object') return false;
  if (response.headersSent === true || response.sent === true) return false; // Express / Node, Fastify
  return typeof response.header === 'function' || typeof response.setHeader === 'function';
}

/**
 * Throttles GraphQL resolvers (`context.getType() === 'graphql'`) for {@link ThrottleGuard}. Each guarded
 * resolver call is one decision: a query selecting three throttled fields consumes three, and a throttled
 * field resolver consumes once per parent object it resolves. Identities and proxy trust read the HTTP
 * request of the operation; the rate-limit headers go on its HTTP response when there is one. A refused
 * field resolves to a {@link ThrottledGraphQLError} (the rest of the operation still runs).
 *
 * @example
 * // Apollo (Express): nothing to configure (`@nestjs/apollo` puts `req` in the context, and Express links `req.res`);
 * // an explicit context keeps both: GraphQLModule.forRoot({ driver: ApolloDriver, context: ({ req, res }) => ({ req, res }) })
 * // Mercurius (Fastify): nothing to configure (the context has `reply`).
 * // Field resolvers (@ResolveField) run guards only with GraphQLModule's `fieldResolverEnhancers: ['guards']`.
 */
@Injectable()
export class GraphqlThrottle implements ContextThrottle {
  private readonly logger = new Logger('Throttle');

  constructor(
    private readonly routes: RoutePlans,
    private readonly decider: ThrottleDecider,
  ) {}

  /** The resolver calls already decided (their argument lists): the guard registered twice (global and `@UseGuards`) counts a call once. */
  private readonly decided = new WeakSet<object>();

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const decide = (plan: RoutePlan) => {
      const http = httpOfGraphqlContext(context.getArgs()[2]);
      if (http === undefined) throw this.noRequest(context);
      return this.decider.decide(plan, http.request, context, http.response);
    };
    return decideOnce(this.decided, this.routes, context, decide, admit);
  }

  /** Refuses (never admits unthrottled) a resolver whose context has no HTTP request, and says how to fix it. */
  private noRequest(context: ExecutionContext): Error {
    const where = `${context.getClass().name}.${context.getHandler().name}`;
    const error = new Error(
      `nest-scoped-throttle: ${where} is throttled but its GraphQL context has no HTTP request; ` +
        'put it there, e.g. GraphQLModule.forRoot({ context: ({ req, res }) => ({ req, res }) })',
    );
    this.logger.error(error.message);
    return error;
  }
}

function admit(verdict: Verdict): boolean {
  if (verdict === undefined) return true;
  if (verdict.status === 503 && verdict.shed !== undefined)
    throw new ThrottleShedGraphQLError(verdict.shed.priority, verdict.shed.retryAfter);
  if (verdict.status === 503) throw new ThrottleStoreUnavailableGraphQLError();
  if (verdict.status === 500) throw new ThrottleHookGraphQLError();
  throw new ThrottledGraphQLError(verdict.refusal.scope, verdict.refusal.retryAfter);
}
