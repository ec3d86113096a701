/** One setup's admissions over time, for the chart. */
export interface Timeline {
  readonly name: string;
  /** Send times (ms from the run's start) of the requests that got a 2xx. */
  readonly admittedAtMs: readonly number[];
}

const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2'];
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * A small SVG step chart: cumulative admissions over the run, one line per setup, with the
 * ideal exact limit as a dashed line.
 */
export function admissionsChart(timelines: readonly Timeline[], durationMs: number, expected: number): string {
  const width = 720;
  const height = 360;
  const left = 50;
  const top = 20;
  const plotW = width - left - 200;
  const plotH = height - top - 40;
  const maxY = Math.max(expected, ...timelines.map((t) => t.admittedAtMs.length), 1);
  const x = (ms: number) => left + (Math.min(ms, durationMs) / durationMs) * plotW;
  const y = (count: number) => top + plotH - (count / maxY) * plotH;
  const lines = timelines.map((t, i) => {
    let path = `M${x(0)},${y(0)}`;
    t.admittedAtMs.forEach((ms, k) => (path += ` L${x(ms).toFixed(1)},${y(k).toFixed(1)} L${x(ms).toFixed(1)},${y(k + 1).toFixed(1)}`));
    path += ` L${x(durationMs)},${y(t.admittedAtMs.length).toFixed(1)}`;
    const color = COLORS[i % COLORS.length];
    const legendY = top + 16 + i * 20;
    return [
      `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`,
      `<rect x="${left + plotW + 16}" y="${legendY - 9}" width="12" height="12" fill="${color}"/>`,
      `<text x="${left + plotW + 34}" y="${legendY + 1}">${escape(t.name)} (${t.admittedAtMs.length})</text>`,
    ].join('\n');
  });
  const ideal = `<line x1="${x(0)}" y1="${y(0)}" x2="${x(durationMs)}" y2="${y(expected)}" stroke="#999" stroke-dasharray="4 4"/>`;
  const ticks = [0, Math.round(maxY / 2), maxY]
    .map((v) => `<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`)
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`,
    ticks,
    `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">time (s, 0–${durationMs / 1000}); dashed: exact limit (${expected})</text>`,
    `<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">admitted (cumulative)</text>`,
    ideal,
    ...lines,
    '</svg>',
  ].join('\n');
}
