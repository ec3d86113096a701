/** DI token of the validated, compiled {@link ThrottleConfig}. */
export const THROTTLE_CONFIG = Symbol('THROTTLE_CONFIG');
