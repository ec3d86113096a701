import type { OnApplicationShutdown } from '@nestjs/common';
import type { Counter, Gauge, Metric, Registry } from 'prom-client';
import type { LeaseCounter } from './lease-counter';
import { loadPromClient } from './load-prom-client';

/**
 * Prometheus metrics of concurrency limits and load shedding, on the registry of `ThrottleMetrics`:
 * `throttle_leases_held{scope}` (leases this process holds now: its requests in flight; sum over
 * processes for the fleet), `throttle_lease_expiries_total{scope}` (leases found expired, never
 * released: a process died holding them, or a request outlived `leaseMs`), and
 * `throttle_shed_total{priority}` (requests shed under load, by their route's priority).
 *
 * @example
 * const leases = new LeaseMetrics(metrics.registry, 'throttle_');
 * leases.held('export', +1);
 */
export class LeaseMetrics implements LeaseCounter, OnApplicationShutdown {
  private readonly leasesHeld: Gauge<'scope'>;
  private readonly expiries: Counter<'scope'>;
  private readonly shed: Counter<'priority'>;

  constructor(
    private readonly registry: Registry,
    prefix = 'throttle_',
  ) {
    const { Counter, Gauge } = loadPromClient();
    const registers = [registry];
    this.leasesHeld = new Gauge({
      name: `${prefix}leases_held`,
      help: 'Concurrency leases this process holds, by scope',
      labelNames: ['scope'],
      registers,
    });
    this.expiries = new Counter({
      name: `${prefix}lease_expiries_total`,
      help: 'Concurrency leases that expired unreleased (a process died holding them, or a request outlived leaseMs), by scope',
      labelNames: ['scope'],
      registers,
    });
    this.shed = new Counter({
      name: `${prefix}shed_total`,
      help: 'Requests shed under load, by priority',
      labelNames: ['priority'],
      registers,
    });
  }

  held(scope: string, delta: number): void {
    this.leasesHeld.inc({ scope }, delta);
  }

  expired(scope: string, count: number): void {
    this.expiries.inc({ scope }, count);
  }

  countShed(priority: string): void {
    this.shed.inc({ priority });
  }

  onApplicationShutdown(): void {
    for (const metric of [this.leasesHeld, this.expiries, this.shed] as Metric[]) {
      const name = (metric as unknown as { name: string }).name;
      if (this.registry.getSingleMetric(name) === metric) this.registry.removeSingleMetric(name);
    }
  }
}
