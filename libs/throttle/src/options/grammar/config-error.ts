/**
 * Thrown at boot with one line per problem in the throttle configuration.
 *
 * @example
 * // Invalid throttle config: scope "hi" rate "100/month": unknown period "month" (use s, m, h, d, e.g. 100/30d)
 */
export class ThrottleConfigError extends Error {
  override readonly name = 'ThrottleConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.map((p) => `Invalid throttle config: ${p}`).join('\n'));
  }
}
