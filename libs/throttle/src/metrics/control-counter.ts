/** A runtime control on a scope, as `throttle_controls_total` counts it. */
export type ControlAction = 'refund' | 'block' | 'reset';

/** What counts controls: the Prometheus and OpenTelemetry metrics each are one. */
export interface ControlCounter {
  countControl(scope: string, action: ControlAction): void;
}

/**
 * One counter for every metrics backend the module has: undefined when there is none, the backend
 * itself when there is one, else a fan-out.
 *
 * @example
 * const controls = controlCounters(prometheus, otel);
 * controls?.countControl('login', 'refund');
 */
export function controlCounters(...counters: (ControlCounter | undefined)[]): ControlCounter | undefined {
  const present = counters.filter((c): c is ControlCounter => c !== undefined);
  if (present.length <= 1) return present[0];
  return { countControl: (scope, action) => present.forEach((c) => c.countControl(scope, action)) };
}
