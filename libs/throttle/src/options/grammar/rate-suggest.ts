/**
 * The nearest valid spelling of a mistyped rate, for boot errors: `"1 minutee"` → `"1/minute"`,
 * `"10/hr"` → `"10/h"`. Only spellings within two edits of a known period are suggested.
 */

/** Edits (insert, delete, substitute) between two short words. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/** The known period nearest to `word` (ties: the first listed), or undefined when none is within two edits. */
export function nearestPeriod(word: string, periods: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const period of periods) {
    const d = distance(lower, period);
    if (d < bestDistance) [best, bestDistance] = [period, d];
  }
  return best;
}

const LOOSE_RE = /^\s*(\d+)\s*(?:\/|\s|per)\s*(\d*)\s*([a-z]+)\s*$/i;

/** For input that is not `<N>/<period>`: a valid rewrite such as `"1/minute"`, when one is near. */
export function suggestRate(input: string, periods: readonly string[]): string | undefined {
  const match = LOOSE_RE.exec(input);
  if (!match) return undefined;
  const [, count, multiplier, word] = match;
  const period = periods.includes(word.toLowerCase()) ? word.toLowerCase() : nearestPeriod(word, periods);
  return period === undefined ? undefined : `${count}/${multiplier}${period}`;
}
