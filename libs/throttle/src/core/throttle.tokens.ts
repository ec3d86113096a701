/** DI token of the validated, compiled {@link ThrottleConfig} (internal: the guard, fast lane and stores read it). */
export const THROTTLE_CONFIG = Symbol('THROTTLE_CONFIG');
