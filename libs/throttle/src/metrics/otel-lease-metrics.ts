import type { Attributes, Counter, Meter, UpDownCounter } from '@opentelemetry/api';
import type { LeaseCounter } from './lease-counter';
import { OTEL_INSTRUMENTS } from './otel-metrics';

/**
 * The OpenTelemetry twins of {@link LeaseMetrics}, on the meter of {@link OtelThrottleMetrics}:
 * `throttle.leases_held{scope}` (an UpDownCounter: leases this process holds now), `throttle.lease_expiries{scope}`
 * and `throttle.shed{priority}` (counters). Exported to Prometheus they read `throttle_leases_held`,
 * `throttle_lease_expiries_total` and `throttle_shed_total`, as {@link LeaseMetrics} names them.
 *
 * @example
 * const leases = new OtelLeaseMetrics(otel.meter);
 * leases.held('export', +1);
 */
export class OtelLeaseMetrics implements LeaseCounter {
  private readonly leasesHeld: UpDownCounter;
  private readonly expiries: Counter;
  private readonly shed: Counter;
  /** One attribute object per scope or priority, so the hot path allocates none. */
  private readonly attributes = new Map<string, Attributes>();

  constructor(meter: Meter) {
    this.leasesHeld = meter.createUpDownCounter(OTEL_INSTRUMENTS.leasesHeld, {
      description: 'Concurrency leases this process holds, by scope',
    });
    this.expiries = meter.createCounter(OTEL_INSTRUMENTS.leaseExpiries, {
      description: 'Concurrency leases that expired unreleased (a process died holding them, or a request outlived leaseMs), by scope',
    });
    this.shed = meter.createCounter(OTEL_INSTRUMENTS.shed, { description: 'Requests shed under load, by priority' });
  }

  held(scope: string, delta: number): void {
    this.leasesHeld.add(delta, this.of('scope', scope));
  }

  expired(scope: string, count: number): void {
    this.expiries.add(count, this.of('scope', scope));
  }

  countShed(priority: string): void {
    this.shed.add(1, this.of('priority', priority));
  }

  private of(name: 'scope' | 'priority', value: string): Attributes {
    const key = `${name}:${value}`;
    let attrs = this.attributes.get(key);
    if (attrs === undefined) this.attributes.set(key, (attrs = { [name]: value }));
    return attrs;
  }
}
