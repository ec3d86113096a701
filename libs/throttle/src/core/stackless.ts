/**
 * Builds an error without capturing a stack trace: V8 collects the frames when an `Error` is
 * constructed (`Error.stackTraceLimit` of them, through Nest's deep call chain), which cost a refused
 * request under a flood more than everything else it did (12-24 % of a CPU profile). Refusals are
 * expected outcomes, not bugs: their `stack` is one line, `<name>: <message>`.
 *
 * @example
 * throw stackless(() => new HttpException(body, 429));
 */
export function stackless<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let error: E;
  try {
    error = make();
  } finally {
    Error.stackTraceLimit = limit;
  }
  error.stack = `${error.name}: ${error.message}`;
  return error;
}
