/** The app's functions the module calls per request. */
export type ThrottleHook = 'onThrottled' | 'skipIf' | 'key' | 'tier';

/**
 * A throw from one of the app's hooks (a key or tier function, `skipIf`, `onThrottled`), tagged with
 * the hook and the scope it served. The decision sequence turns it into that request's error (a 500,
 * a GraphQL error, a WebSocket exception) and one log line; it never reaches the process.
 *
 * @example
 * try { key(request) } catch (cause) { throw new ThrottleHookError('key', 'api', cause) }
 */
export class ThrottleHookError extends Error {
  override readonly name = 'ThrottleHookError';

  constructor(
    readonly hook: ThrottleHook,
    readonly scope: string,
    override readonly cause: unknown,
  ) {
    super(`${hook} of scope "${scope}" threw: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
