import { HttpException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';

/** The body of a 429, as design.md's HTTP contract fixes it. */
export interface ThrottledBody {
  statusCode: 429;
  error: 'Too Many Requests';
  message: string;
  scope: string;
  retryAfter: number;
}

/** Builds the 429 body; `retryAfterSeconds` is whole seconds, >= 1. */
export function throttledBody(scope: string, retryAfterSeconds: number): ThrottledBody {
  const unit = retryAfterSeconds === 1 ? 'second' : 'seconds';
  return {
    statusCode: 429,
    error: 'Too Many Requests',
    message: `Request was throttled. Expected available in ${retryAfterSeconds} ${unit}.`,
    scope,
    retryAfter: retryAfterSeconds,
  };
}

/**
 * The 429 thrown by the guard; `Retry-After` and the rate-limit headers are already on the response.
 * A refusal is an expected outcome, thrown per refused request under a flood: it captures no stack
 * trace (V8's frame capture was the largest cost of a refusal), its `stack` is its one-line message.
 *
 * @example
 * throw new ThrottleException('hi', 3); // {"statusCode":429,...,"scope":"hi","retryAfter":3}
 */
export class ThrottleException extends HttpException {
  constructor(
    readonly scope: string,
    readonly retryAfterSeconds: number,
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(throttledBody(scope, retryAfterSeconds), HttpStatus.TOO_MANY_REQUESTS);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** The 503 of the `deny` store-error policy: the limiter cannot decide, so it refuses. */
export class ThrottleStoreUnavailableException extends ServiceUnavailableException {
  constructor() {
    super(storeUnavailableBody());
  }
}

/** The body of the `deny` policy's 503. */
export function storeUnavailableBody() {
  return {
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'Rate limit store unavailable; request refused (onStoreError: deny). Retry shortly.',
  };
}
