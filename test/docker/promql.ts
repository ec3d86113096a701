/**
 * The metric names a PromQL expression reads: what is left after dropping strings, label matchers,
 * range selectors and offsets, grouping clauses, numbers, functions (an identifier before "(") and keywords.
 * Enough for dashboards and alert rules; not a PromQL parser.
 *
 * @example
 * metricNames('sum by (scope) (rate(throttle_decisions_total{result="throttled"}[5m]))') // ['throttle_decisions_total']
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\boffset\s+-?[\dsmhdwy]+/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\blabel_values\(\s*([a-zA-Z_:][\w:]*)\s*,[^)]*\)/g, ' $1 ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/(?<![\w.])[a-zA-Z_:][\w:]*(?=\s*(\()?)/g)) {
    if (match[1] === '(' || KEYWORDS.has(match[0]) || /^\d/.test(match[0])) continue;
    names.push(match[0]);
  }
  return names;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'e']);
