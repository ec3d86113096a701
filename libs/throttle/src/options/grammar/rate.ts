/**
 * The rate grammar: `<N>/<period>`, where period is DRF's `s|sec|second(s)|m|min|minute(s)|h|hour(s)|d|day(s)`,
 * optionally preceded by a whole-number multiplier (`100/15m`, `5/10s`). N is a positive integer.
 */
import { nearestPeriod, suggestRate } from './rate-suggest';

/** A parsed rate: at most `limit` admissions in any trailing `windowMs`. */
export interface Rate {
  readonly limit: number;
  readonly windowMs: number;
}

const PERIOD_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};
const PERIODS = Object.keys(PERIOD_MS);

/** The largest limit a rate may name: keeps per-key logs (memory and Redis) bounded. */
export const MAX_LIMIT = 1_000_000;
/** The longest window a rate may name (366 days). */
export const MAX_WINDOW_MS = 366 * 86_400_000;

const RATE_RE = /^\s*(\d+)\s*\/\s*(\d*)\s*([a-z]+)\s*$/i;
const HINT = 'use s, m, h, d, e.g. 100/30d';

/** Thrown by {@link parseRate}; the message says what is wrong and how to write it. */
export class RateParseError extends Error {
  override readonly name = 'RateParseError';
}

/**
 * Parses a rate string.
 *
 * @example
 * parseRate('60/minute'); // { limit: 60, windowMs: 60_000 }
 * parseRate('100/15m');   // { limit: 100, windowMs: 900_000 }
 * parseRate('10/hours');  // { limit: 10, windowMs: 3_600_000 } (DRF's plural spellings)
 * parseRate('100/month'); // throws RateParseError: unknown period "month" (use s, m, h, d, e.g. 100/30d)
 */
export function parseRate(input: unknown): Rate {
  if (typeof input !== 'string') {
    throw new RateParseError(`expected a string like "60/minute", got ${describe(input)}`);
  }
  const match = RATE_RE.exec(input);
  if (!match) {
    const near = suggestRate(input, PERIODS);
    throw new RateParseError(`expected <N>/<period> like "60/minute" or "100/15m"${near === undefined ? '' : `: did you mean "${near}"?`}`);
  }
  const [, countText, multiplierText, periodText] = match;
  const periodMs = PERIOD_MS[periodText.toLowerCase()];
  if (periodMs === undefined) {
    const near = nearestPeriod(periodText, PERIODS);
    const hint = near === undefined ? '' : `: did you mean "${countText}/${multiplierText}${near}"?`;
    throw new RateParseError(`unknown period "${periodText}" (${HINT})${hint}`);
  }
  const limit = Number(countText);
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RateParseError(`the count must be a positive integer, got "${countText}"`);
  }
  if (limit > MAX_LIMIT) {
    throw new RateParseError(`the count ${limit} is above the maximum of ${MAX_LIMIT}`);
  }
  const multiplier = multiplierText === '' ? 1 : Number(multiplierText);
  if (!Number.isSafeInteger(multiplier) || multiplier < 1) {
    throw new RateParseError(`the period multiplier must be a positive integer, got "${multiplierText}"`);
  }
  const windowMs = multiplier * periodMs;
  if (windowMs > MAX_WINDOW_MS) {
    throw new RateParseError(`the window is longer than the maximum of 366 days`);
  }
  return { limit, windowMs };
}

/** Formats a rate back into the grammar, in the largest whole unit (`60/m`, `100/15m`). */
export function formatRate(rate: Rate): string {
  for (const [unit, ms] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (rate.windowMs % ms === 0) {
      const n = rate.windowMs / ms;
      return `${rate.limit}/${n === 1 ? '' : n}${unit}`;
    }
  }
  const seconds = rate.windowMs / 1_000;
  return `${rate.limit}/${seconds === 1 ? '' : seconds}s`;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : `${typeof value} ${JSON.stringify(value)}`;
}
