/**
 * Pushes one problem per key of `value` that is not in `known`, naming the nearest known key when one
 * is close (a typo such as `trustproxy` for `trustProxy`).
 *
 * @example
 * checkKnownKeys({ trustproxy: 1 }, ['trustProxy', 'key'], 'module option', problems);
 * // 'unknown module option "trustproxy" (did you mean "trustProxy"?)'
 */
export function checkKnownKeys(value: object, known: readonly string[], what: string, problems: string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = nearest(key, known);
    const hint = near !== undefined ? `did you mean "${near}"?` : `known: ${known.join(', ')}`;
    problems.push(`unknown ${what} ${JSON.stringify(key)} (${hint})`);
  }
}

/** The known key closest to `key` (case-insensitive edit distance at most 2, or a case-only difference). */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance (small strings only: option names). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}
