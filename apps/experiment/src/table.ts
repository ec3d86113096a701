/** One row of the experiment's table. */
export interface Row {
  readonly setup: string;
  readonly store: 'memory' | 'redis';
  readonly admitted: number;
  readonly refused: number;
  /** Responses neither 2xx nor 429, and errors. */
  readonly other: number;
  readonly notSent: number;
  readonly expected: number;
  /** Most 2xx certainly inside one window of the rate (from the load tester). */
  readonly maxInWindow: number;
}

const HEAD = ['setup', 'admitted (200)', 'refused (429)', 'other', 'expected', 'max in one window', 'verdict'];

function cells(r: Row): string[] {
  const verdict = r.admitted === r.expected ? 'exact' : r.admitted > r.expected ? `${(r.admitted / r.expected).toFixed(1)}x over` : 'under';
  return [r.setup, String(r.admitted), String(r.refused), String(r.other + r.notSent), String(r.expected), String(r.maxInWindow), verdict];
}

/** The table for a terminal: aligned columns. */
export function textTable(rows: readonly Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

/** The same table in markdown. */
export function markdownTable(rows: readonly Row[]): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(HEAD), line(HEAD.map((_, c) => (c === 0 ? '---' : '---:'))), ...rows.map((r) => line(cells(r)))].join('\n');
}
