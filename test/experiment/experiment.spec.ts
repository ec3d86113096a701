import { admissionsChart } from '../../apps/experiment/src/chart';
import { expectedAdmissions } from '../../apps/experiment/src/expected';
import { markdownTable, Row, textTable } from '../../apps/experiment/src/table';

describe('experiment', () => {
  it('expects what an exact limiter admits on the nominal schedule', () => {
    expect(expectedAdmissions(100, 10_000, 1, 1_000)).toBe(10); // the article's run
    expect(expectedAdmissions(100, 10_000, 5, 60_000)).toBe(5);
    expect(expectedAdmissions(10, 10_000, 1, 1_000)).toBe(10); // one request a second: all admitted
    expect(expectedAdmissions(20, 10_000, 2, 3_000)).toBe(8); // 2 per 3 s window over 10 s: at 0, .5, 3, 3.5, 6, 6.5, 9, 9.5 s
  });

  it('expects what GCRA admits on the nominal schedule (burst: the rate’s N)', () => {
    expect(expectedAdmissions(100, 10_000, 1, 1_000, 'gcra')).toBe(10); // the gcra row: burst 1, one a second
    expect(expectedAdmissions(100, 10_000, 5, 60_000, 'gcra')).toBe(5); // the burst, then one every 12 s
    expect(expectedAdmissions(100, 10_000, 5, 10_000, 'gcra')).toBe(9); // 5 at once, then at 2, 4, 6, 8 s (the sliding log: 5)
    expect(expectedAdmissions(20, 10_000, 2, 3_000, 'gcra')).toBe(8); // at 0, .5, then every 1.5 s: 1.5, 3, 4.5, 6, 7.5, 9 s
  });

  const rows: Row[] = [
    { setup: '1 worker + memory', store: 'memory', admitted: 10, refused: 90, other: 0, notSent: 0, expected: 10, maxInWindow: 1 },
    { setup: '6 workers + memory', store: 'memory', admitted: 52, refused: 48, other: 0, notSent: 0, expected: 10, maxInWindow: 6 },
  ];

  it('renders the table with a verdict per row', () => {
    const text = textTable(rows).split('\n');
    expect(text[1]).toMatch(/^1 worker \+ memory\s+10\s+90\s+0\s+10\s+1\s+exact$/);
    expect(text[2]).toMatch(/5\.2x over$/);
    expect(markdownTable(rows).split('\n')[3]).toBe('| 6 workers + memory | 52 | 48 | 0 | 10 | 6 | 5.2x over |');
  });

  it('draws one line and legend entry per setup', () => {
    const svg = admissionsChart(
      [
        { name: 'a <b>', admittedAtMs: [0, 1000] },
        { name: 'c', admittedAtMs: [] },
      ],
      10_000,
      10,
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('a &lt;b> (2)');
    expect(svg).toContain('c (0)');
  });
});
