/** How important a scope's requests are under load: `critical` is never shed; `low` goes first. */
export type ShedPriority = 'critical' | 'high' | 'normal' | 'low';

/** The priorities, most important first. */
export const PRIORITIES: readonly ShedPriority[] = ['critical', 'high', 'normal', 'low'];

/** The module's `shed` option: shed load when this process's event loop is past either threshold. */
export interface ShedOptions {
  /** Event-loop utilization (0..1, over the last sampling interval) from which the lowest priority is shed, e.g. 0.9. */
  eventLoopUtilization?: number;
  /** Event-loop delay (ms, the interval's p99) from which the lowest priority is shed, e.g. 100. */
  eventLoopDelayMs?: number;
  /** How often pressure is sampled, in ms (default 100). */
  sampleMs?: number;
}

/** The `shed` option, validated. */
export interface CompiledShed {
  readonly eventLoopUtilization?: number;
  readonly eventLoopDelayMs?: number;
  readonly sampleMs: number;
}

/**
 * Validates the module's `shed` option (undefined: no shedding): at least one threshold, utilization in
 * (0, 1), delay a positive number of ms. One problem per mistake, naming the option.
 *
 * @example
 * compileShed({ eventLoopUtilization: 0.9 }, problems); // { eventLoopUtilization: 0.9, sampleMs: 100 }
 */
export function compileShed(value: unknown, problems: string[]): CompiledShed | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`shed must be an object like { eventLoopUtilization: 0.9 } or { eventLoopDelayMs: 100 }, got ${JSON.stringify(value)}`);
    return undefined;
  }
  const { eventLoopUtilization: elu, eventLoopDelayMs: delay, sampleMs = 100, ...rest } = value as ShedOptions;
  const count = problems.length;
  for (const key of Object.keys(rest))
    problems.push(`unknown shed option "${key}" (known: eventLoopUtilization, eventLoopDelayMs, sampleMs)`);
  if (elu === undefined && delay === undefined) problems.push('shed needs eventLoopUtilization (e.g. 0.9) or eventLoopDelayMs (e.g. 100)');
  if (elu !== undefined && !(typeof elu === 'number' && elu > 0 && elu < 1))
    problems.push(`shed.eventLoopUtilization must be a number in (0, 1), e.g. 0.9; got ${JSON.stringify(elu)}`);
  if (delay !== undefined && !(typeof delay === 'number' && delay > 0 && delay <= 60_000))
    problems.push(`shed.eventLoopDelayMs must be a number of milliseconds in (0, 60000], e.g. 100; got ${JSON.stringify(delay)}`);
  if (!(typeof sampleMs === 'number' && sampleMs >= 10 && sampleMs <= 10_000))
    problems.push(`shed.sampleMs must be a number of milliseconds in [10, 10000], e.g. 100; got ${JSON.stringify(sampleMs)}`);
  return problems.length > count ? undefined : { eventLoopUtilization: elu, eventLoopDelayMs: delay, sampleMs };
}

/** A scope's `priority` (default `normal`), or a problem naming it. */
export function compilePriority(name: string, value: unknown, problems: string[]): ShedPriority {
  if (value === undefined) return 'normal';
  if (PRIORITIES.includes(value as ShedPriority)) return value as ShedPriority;
  problems.push(`scope "${name}" priority ${JSON.stringify(value)} must be one of ${PRIORITIES.join(', ')}`);
  return 'normal';
}
