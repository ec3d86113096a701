import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottleHookError } from '../options/hook-error';

const logger = new Logger('Throttle');

/**
 * Logs one line (error level) for a request whose decision threw: a hook (naming it and its scope),
 * or anything else on the way; the request is answered with an error (a 500, or its context's own).
 *
 * @example
 * reportHookFailure(new ThrottleHookError('key', 'api', error));
 * // [Throttle] key of scope "api" threw: boom; the request is answered with an error (500)
 */
export function reportHookFailure(error: unknown): void {
  const what =
    error instanceof ThrottleHookError
      ? error.message
      : `deciding a request threw: ${error instanceof Error ? error.message : String(error)}`;
  logger.error(`${what}; the request is answered with an error (500)`);
}

/** The 500 a request gets when a hook threw: the body Nest sends for an unexpected error. */
export function hookFailureException(): HttpException {
  return new HttpException(hookFailureBody(), HttpStatus.INTERNAL_SERVER_ERROR);
}

/** The body of {@link hookFailureException}. */
export function hookFailureBody(): { statusCode: 500; message: string } {
  return { statusCode: 500, message: 'Internal server error' };
}
