/** What counts concurrency leases and shed requests: the Prometheus and OpenTelemetry lease metrics each are one. */
export interface LeaseCounter {
  /** Leases of `scope` this process took (`+1`) or gave back (`-1`). */
  held(scope: string, delta: number): void;
  /** Leases of `scope` found expired, never released. */
  expired(scope: string, count: number): void;
  /** One request shed under load, by its route's priority. */
  countShed(priority: string): void;
}

/**
 * One lease counter for every metrics backend the module has: undefined when there is none, the backend
 * itself when there is one, else a fan-out (each backend counts the same events).
 *
 * @example
 * const leases = leaseCounters(prometheus, otel);
 * leases?.held('export', +1);
 */
export function leaseCounters(...counters: (LeaseCounter | undefined)[]): LeaseCounter | undefined {
  const present = counters.filter((c): c is LeaseCounter => c !== undefined);
  if (present.length <= 1) return present[0];
  return {
    held: (scope, delta) => present.forEach((c) => c.held(scope, delta)),
    expired: (scope, count) => present.forEach((c) => c.expired(scope, count)),
    countShed: (priority) => present.forEach((c) => c.countShed(priority)),
  };
}
