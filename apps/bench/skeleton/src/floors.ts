/**
 * The floors the limiters are measured against: no limiter, only what the HTTP contract forces on
 * any limiter, with no decision at all. A limiter cannot beat its floor; × floor says what its
 * decision costs on top.
 *
 * - guard5 / hook5 (S1): write the contract's 5 headers of an admitted request, then the route runs;
 *   from a global Nest guard (what any guard limiter pays) or a Fastify `onRequest` hook (the
 *   physical limit of a limiter that decides in Fastify's hook).
 * - guard429 / hook429 (S2): answer every request with the contract's 429 (6 headers, JSON body). The
 *   guard throws one prebuilt `HttpException` (no stack trace per request) that Nest's exception
 *   filter writes: the cheapest refusal a Nest guard can make; the hook sends the reply itself.
 * - empty-guard: a global guard that returns true: what Nest's guard pipeline alone costs.
 */
import { CanActivate, ExecutionContext, HttpException, Injectable } from '@nestjs/common';

/** The limit and window every floor's headers describe. */
export interface FloorLimit {
  readonly limit: number;
  readonly windowS: number;
}

interface Reply {
  header(name: string, value: string): Reply;
  code(status: number): Reply;
  type(contentType: string): Reply;
  send(body: string): unknown;
}

/** The contract's headers of an admitted request, values as a limit of `limit` per `windowS` would give. */
export function admittedHeaders(reply: Reply, { limit, windowS }: FloorLimit): void {
  reply
    .header('RateLimit-Policy', `"hi";q=${limit};w=${windowS}`)
    .header('RateLimit', `"hi";r=${limit - 1};t=${windowS}`)
    .header('X-RateLimit-Limit', String(limit))
    .header('X-RateLimit-Remaining', String(limit - 1))
    .header('X-RateLimit-Reset', String(windowS));
}

/** The contract's 429 headers: RateLimit headers and Retry-After. */
function refusalHeaders(reply: Reply, { limit, windowS }: FloorLimit): Reply {
  return reply
    .header('RateLimit-Policy', `"hi";q=${limit};w=${windowS}`)
    .header('RateLimit', `"hi";r=0;t=${windowS}`)
    .header('X-RateLimit-Limit', String(limit))
    .header('X-RateLimit-Remaining', '0')
    .header('X-RateLimit-Reset', String(windowS))
    .header('Retry-After', String(windowS));
}

/** The contract's 429 body. */
function refusalBody({ windowS }: FloorLimit) {
  return {
    statusCode: 429,
    error: 'Too Many Requests',
    message: `Request was throttled. Expected available in ${windowS} seconds.`,
    scope: 'hi',
    retryAfter: windowS,
  };
}

/** A Fastify `onRequest` hook of a hook floor. */
export function floorHook(kind: 'hook5' | 'hook429', floor: FloorLimit) {
  const body = JSON.stringify(refusalBody(floor));
  return kind === 'hook5'
    ? (_request: unknown, reply: Reply, done: () => void) => (admittedHeaders(reply, floor), done())
    : (_request: unknown, reply: Reply) => void refusalHeaders(reply, floor).code(429).type('application/json; charset=utf-8').send(body);
}

/** The guard floors' limit (set once at boot by main.ts, before the app is created). */
export const FLOOR: { limit: FloorLimit } = { limit: { limit: 10, windowS: 60 } };

/** guard5: writes the 5 headers and admits. */
@Injectable()
export class HeadersFloorGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    admittedHeaders(context.switchToHttp().getResponse(), FLOOR.limit);
    return true;
  }
}

/** guard429: writes the 6 headers and throws the one prebuilt 429 (Nest's exception filter writes the body). */
@Injectable()
export class RefusalFloorGuard implements CanActivate {
  private readonly refusal = new HttpException(refusalBody(FLOOR.limit), 429);

  canActivate(context: ExecutionContext): boolean {
    refusalHeaders(context.switchToHttp().getResponse(), FLOOR.limit);
    throw this.refusal;
  }
}

/** empty-guard: admits, nothing else. */
@Injectable()
export class EmptyGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}
