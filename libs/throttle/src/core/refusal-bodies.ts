/** Distinct `Retry-After` values remembered per scope and body kind (a day's window in seconds would be 86 400). */
const REMEMBERED = 4_096;

/** How the 429 body of a refusal is written: the contract's JSON, or its problem+json document. */
export type RefusalBodyKind = 'json' | 'problem+json';

/**
 * The serialized 429 bodies the Fastify fast lane sends, built once per (scope, `Retry-After`) and
 * reused: a flood refused for the same scope gets the same few strings, with no object to build nor
 * JSON to serialize per request. The strings are exactly what `JSON.stringify` of
 * {@link throttledBody} (or the problem document) gives, the bytes the guard's exception gets from Nest.
 *
 * @example
 * const bodies = new RefusalBodies((scope, s) => JSON.stringify(throttledBody(scope, s)));
 * reply.code(429).header('content-type', 'application/json; charset=utf-8').send(bodies.get('hi', 3));
 */
export class RefusalBodies {
  private readonly byScope = new Map<string, Map<number, string>>();

  constructor(private readonly build: (scope: string, retryAfterSeconds: number) => string) {}

  get(scope: string, retryAfterSeconds: number): string {
    let bodies = this.byScope.get(scope);
    if (bodies === undefined) this.byScope.set(scope, (bodies = new Map()));
    let body = bodies.get(retryAfterSeconds);
    if (body === undefined) {
      body = this.build(scope, retryAfterSeconds);
      if (bodies.size < REMEMBERED) bodies.set(retryAfterSeconds, body);
    }
    return body;
  }
}
