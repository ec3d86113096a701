/**
 * The two floors the throttled variants are measured against: the baseline app (no limiter) plus a
 * Fastify `onRequest` hook that does only what the HTTP contract forces on any limiter, with no
 * decision at all. A limiter cannot beat its floor; × floor says how much its decision costs on top.
 *
 * - `floor-headers` (S1): writes the contract's 5 headers of an admitted request, then the route runs.
 * - `floor-429` (S2): answers every request with the contract's 429: its 6 headers and JSON body.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The floor variants. */
export type FloorVariant = 'floor-headers' | 'floor-429';

interface FloorReply {
  header(name: string, value: string): FloorReply;
  code(status: number): FloorReply;
  type(contentType: string): FloorReply;
  send(body: string): unknown;
}
type OnRequest = (request: unknown, reply: FloorReply, done: () => void) => void;

/** The contract's headers of an admitted request, values as a limit of `limit` per `windowS` would give. */
function admittedHeaders(reply: FloorReply, limit: number, windowS: number): void {
  reply
    .header('RateLimit-Policy', `"hi";q=${limit};w=${windowS}`)
    .header('RateLimit', `"hi";r=${limit - 1};t=${windowS}`)
    .header('X-RateLimit-Limit', String(limit))
    .header('X-RateLimit-Remaining', String(limit - 1))
    .header('X-RateLimit-Reset', String(windowS));
}

/** The contract's 429: RateLimit headers, Retry-After and the JSON body. */
function refusal(reply: FloorReply, limit: number, windowS: number): void {
  const body = JSON.stringify({
    statusCode: 429,
    error: 'Too Many Requests',
    message: `Request was throttled. Expected available in ${windowS} seconds.`,
    scope: 'hi',
    retryAfter: windowS,
  });
  reply
    .code(429)
    .header('RateLimit-Policy', `"hi";q=${limit};w=${windowS}`)
    .header('RateLimit', `"hi";r=0;t=${windowS}`)
    .header('X-RateLimit-Limit', String(limit))
    .header('X-RateLimit-Remaining', '0')
    .header('X-RateLimit-Reset', String(windowS))
    .header('Retry-After', String(windowS))
    .type('application/json; charset=utf-8')
    .send(body);
}

/**
 * Adds a floor's `onRequest` hook to a Fastify-based Nest app (before `listen`).
 *
 * @example
 * installFloor(app, 'floor-headers', 10, 60_000);
 */
export function installFloor(app: NestFastifyApplication, variant: FloorVariant, limit: number, windowMs: number): void {
  const windowS = Math.ceil(windowMs / 1000);
  const hook: OnRequest =
    variant === 'floor-headers'
      ? (_request, reply, done) => (admittedHeaders(reply, limit, windowS), done())
      : (_request, reply) => refusal(reply, limit, windowS);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', hook as never);
}
