import type { LeaseCounter } from '../metrics/lease-counter';
import type { CompiledShed, ShedPriority } from './shed-options';
import type { Pressure, PressureProbe } from './pressure-probe';

/** `Retry-After` of a shed request, in seconds: pressure is sampled every 100 ms; a second is the header's least. */
export const SHED_RETRY_AFTER_S = 1;

/** What a shed request reports. */
export interface ShedFacts {
  readonly priority: ShedPriority;
  readonly retryAfter: number;
}

/** The pressure level from which each priority is shed (critical: never). */
const SHED_FROM: Record<ShedPriority, number> = { critical: Infinity, high: 3, normal: 2, low: 1 };

/**
 * Stripe's fleet load shedder, per process: from the event loop's pressure a level 0..3 (0: below every
 * threshold; utilization threshold U: 1 at U, 2 halfway from U to 1, 3 three quarters of the way;
 * delay threshold D: 1 at D, 2 at 2D, 3 at 4D; the higher of the two), and a request is shed (503) when
 * its route's priority is shed at that level: `low` from 1, `normal` from 2, `high` from 3, `critical`
 * never. So under growing load the lowest priority goes first, and critical traffic keeps the capacity.
 *
 * @example
 * shedder.check('low'); // { priority: 'low', retryAfter: 1 } while the loop is past its threshold, else undefined
 */
export class LoadShedder {
  constructor(
    private readonly options: CompiledShed,
    private readonly probe: PressureProbe,
    private readonly metrics?: LeaseCounter,
  ) {}

  /** The facts of shedding a request of `priority` now, or undefined to serve it. */
  check(priority: ShedPriority): ShedFacts | undefined {
    if (priority === 'critical') return undefined;
    if (levelOf(this.probe.pressure(), this.options) < SHED_FROM[priority]) return undefined;
    this.metrics?.countShed(priority);
    return { priority, retryAfter: SHED_RETRY_AFTER_S };
  }
}

/** The pressure level 0..3 of `pressure` under the thresholds (see {@link LoadShedder}). */
export function levelOf(pressure: Pressure, options: CompiledShed): number {
  let level = 0;
  const u = options.eventLoopUtilization;
  if (u !== undefined) {
    const elu = pressure.eventLoopUtilization;
    level = elu >= u + (3 * (1 - u)) / 4 ? 3 : elu >= u + (1 - u) / 2 ? 2 : elu >= u ? 1 : 0;
  }
  const d = options.eventLoopDelayMs;
  if (d !== undefined) {
    const delay = pressure.eventLoopDelayMs;
    level = Math.max(level, delay >= 4 * d ? 3 : delay >= 2 * d ? 2 : delay >= d ? 1 : 0);
  }
  return level;
}
