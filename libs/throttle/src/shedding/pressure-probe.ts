import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { IntervalHistogram } from 'node:perf_hooks';

/** This process's load, as the shedder reads it. */
export interface Pressure {
  /** Event-loop utilization over the last sampling interval, 0..1. */
  readonly eventLoopUtilization: number;
  /** Event-loop delay over the last sampling interval (its p99), in ms. */
  readonly eventLoopDelayMs: number;
}

/**
 * Where the shedder reads pressure: `EventLoopProbe` in production; a test overrides the provider
 * (`overrideProvider(PressureProbe).useValue({ pressure: () => ({ eventLoopUtilization: 0.97, eventLoopDelayMs: 0 }) })`).
 */
export abstract class PressureProbe {
  abstract pressure(): Pressure;
}

/**
 * Samples the event loop every `sampleMs` (an unref'd timer: it never keeps the process alive):
 * utilization with `performance.eventLoopUtilization()` over the interval, delay as the p99 of
 * `monitorEventLoopDelay` over the interval. A request reads the last sample: no work on the hot path.
 *
 * @example
 * const probe = new EventLoopProbe(100); probe.pressure(); // { eventLoopUtilization: 0.42, eventLoopDelayMs: 11.2 }
 */
export class EventLoopProbe extends PressureProbe implements OnApplicationShutdown {
  private last: Pressure = { eventLoopUtilization: 0, eventLoopDelayMs: 0 };
  private readonly delay: IntervalHistogram;
  private mark = performance.eventLoopUtilization();
  private readonly timer: NodeJS.Timeout;

  constructor(sampleMs: number) {
    super();
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    this.delay.enable();
    this.timer = setInterval(() => this.sample(), sampleMs);
    this.timer.unref();
  }

  pressure(): Pressure {
    return this.last;
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  /** Stops sampling (at the app's shutdown). */
  stop(): void {
    clearInterval(this.timer);
    this.delay.disable();
  }

  private sample(): void {
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, this.mark).utilization;
    this.mark = now;
    this.last = { eventLoopUtilization: utilization, eventLoopDelayMs: this.delay.percentile(99) / 1e6 };
    this.delay.reset();
  }
}
