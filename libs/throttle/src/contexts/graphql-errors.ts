import { storeUnavailableBody, throttledBody } from '../core/throttle.exception';

/** What a client reads in `errors[i].extensions` of a throttled GraphQL field. */
export interface ThrottledGraphQLExtensions {
  readonly code: 'TOO_MANY_REQUESTS';
  /** The scope that refused (the one that frees up last). */
  readonly scope: string;
  /** Whole seconds until a retry is admitted, >= 1. */
  readonly retryAfter: number;
}

/**
 * The error a throttled GraphQL field resolves to. A plain `Error` (the library never loads `graphql`)
 * carrying `extensions`, which graphql-js copies from the original error into the `GraphQLError` the
 * client receives; the HTTP status stays 200, as GraphQL answers field errors.
 *
 * @example
 * // The client receives, for a refused `hello`:
 * // { "data": { "hello": null }, "errors": [{ "message": "Request was throttled. Expected available in 3 seconds.",
 * //   "path": ["hello"], "extensions": { "code": "TOO_MANY_REQUESTS", "scope": "hi", "retryAfter": 3 } }] }
 */
export class ThrottledGraphQLError extends Error {
  override readonly name = 'ThrottledGraphQLError';
  readonly extensions: ThrottledGraphQLExtensions;

  constructor(scope: string, retryAfter: number) {
    super(throttledBody(scope, retryAfter).message);
    this.extensions = { code: 'TOO_MANY_REQUESTS', scope, retryAfter };
  }
}

/**
 * The GraphQL form of the `deny` store-error policy's 503: the limiter cannot decide, so the field is refused.
 *
 * @example
 * // errors[0].extensions: { "code": "SERVICE_UNAVAILABLE" }
 */
export class ThrottleStoreUnavailableGraphQLError extends Error {
  override readonly name = 'ThrottleStoreUnavailableGraphQLError';
  readonly extensions = { code: 'SERVICE_UNAVAILABLE' } as const;

  constructor() {
    super(storeUnavailableBody().message);
  }
}

/**
 * A GraphQL field shed under load (`shed`): the service keeps its capacity for higher priorities.
 *
 * @example
 * // errors[0].extensions: { "code": "SERVICE_UNAVAILABLE", "priority": "low", "retryAfter": 1 }
 */
export class ThrottleShedGraphQLError extends Error {
  override readonly name = 'ThrottleShedGraphQLError';
  readonly extensions: { readonly code: 'SERVICE_UNAVAILABLE'; readonly priority: string; readonly retryAfter: number };

  constructor(priority: string, retryAfter: number) {
    super(
      `The service is overloaded and shed this ${priority}-priority field. Retry in ${retryAfter} ${retryAfter === 1 ? 'second' : 'seconds'}.`,
    );
    this.extensions = { code: 'SERVICE_UNAVAILABLE', priority, retryAfter };
  }
}

/**
 * The GraphQL form of a hook's 500: a key or tier function or `skipIf` threw (logged once, naming it).
 *
 * @example
 * // errors[0].extensions: { "code": "INTERNAL_SERVER_ERROR" }
 */
export class ThrottleHookGraphQLError extends Error {
  override readonly name = 'ThrottleHookGraphQLError';
  readonly extensions = { code: 'INTERNAL_SERVER_ERROR' } as const;

  constructor() {
    super('Internal server error');
  }
}
