import { parseArgs } from '../../apps/loadtest/src/args';
import {
  formatLatency,
  formatReport,
  formatStatusTable,
  formatWindow,
  formatWindowCheck,
  statusLabel,
} from '../../apps/loadtest/src/format';
import { classify } from '../../apps/loadtest/src/pools';
import { renderProgress } from '../../apps/loadtest/src/progress';
import { Records } from '../../apps/loadtest/src/records';
import { buildReport } from '../../apps/loadtest/src/report';

describe('status table', () => {
  it('labels codes with node:http reasons', () => {
    expect(statusLabel(200)).toBe('200 (OK)');
    expect(statusLabel('429')).toBe('429 (Too Many Requests)');
    expect(statusLabel(599)).toBe('599');
  });

  it('lists statuses then errors with aligned counts', () => {
    expect(formatStatusTable({ statuses: { '200': 10, '429': 90 }, errors: { ECONNREFUSED: 3 } }, '')).toEqual([
      '200 (OK)                :10',
      '429 (Too Many Requests) :90',
      'ECONNREFUSED            :3',
    ]);
    expect(formatStatusTable({ statuses: {}, errors: {} })).toEqual(['  (no requests completed)']);
  });
});

describe('window and latency lines', () => {
  it('names windows in their largest whole unit', () => {
    expect([1_000, 10_000, 60_000, 900_000, 3_600_000, 86_400_000, 1_500].map(formatWindow)).toEqual([
      '1s',
      '10s',
      '1m',
      '15m',
      '1h',
      '1d',
      '1.5s',
    ]);
  });

  it('prints the window check and flags excess', () => {
    const w = { rate: '1/s', limit: 1, windowMs: 1_000, maxAdmittedByReceiveTime: 1 };
    expect(formatWindowCheck({ ...w, maxAdmitted: 1 })).toBe('max admitted in any 1s window: 1 (rate allows 1)');
    expect(formatWindowCheck({ ...w, maxAdmitted: 35 })).toBe('max admitted in any 1s window: 35 (rate allows 1)  OVER THE LIMIT');
  });

  it('prints latency percentiles', () => {
    expect(formatLatency({ latencyMs: { count: 3, p50: 1.234, p90: 2, p99: 150.4, max: 151 } })).toBe(
      'latency ms: p50 1.23  p90 2.00  p99 150  max 151  (3 responses)',
    );
    expect(formatLatency({ latencyMs: null })).toBe('latency: no responses');
  });
});

describe('buildReport + formatReport', () => {
  it('summarises records overall and per target', () => {
    const parsed = parseArgs(['-t', 'http://a/x,http://b/y', '-n', '5', '-d', '1', '--rate', '1/s']);
    if (parsed.kind !== 'run') throw new Error('expected a run');
    const records = new Records(5);
    records.respond(records.add(0, 0), 2, 200);
    records.respond(records.add(1, 200), 201, 200);
    records.respond(records.add(0, 400), 404, 429);
    records.fail(records.add(1, 600), 601, 'ECONNREFUSED');
    records.add(0, 800); // still pending: not counted as completed
    const report = buildReport(parsed.options, records, { elapsedMs: 1_000, stoppedBy: null, maxSendLagMs: 1.234 });
    expect(report).toMatchObject({
      mode: 'paced',
      sent: 5,
      notSent: 0,
      completed: 4,
      statuses: { '200': 2, '429': 1 },
      errors: { ECONNREFUSED: 1 },
      requestsPerSecond: 4,
      targetRequestsPerSecond: 5,
      maxSendLagMs: 1.23,
      window: { limit: 1, windowMs: 1_000, maxAdmitted: 2, maxAdmittedByReceiveTime: 2 },
    });
    expect(report.latencyMs).toEqual({ count: 3, p50: 2, p90: 4, p99: 4, max: 4 });
    expect(report.perTarget?.map((t) => [t.target, t.completed, t.statuses, t.errors])).toEqual([
      ['http://a/x', 2, { '200': 1, '429': 1 }, {}],
      ['http://b/y', 2, { '200': 1 }, { ECONNREFUSED: 1 }],
    ]);
    const text = formatReport(report);
    expect(text).toContain('  200 (OK)                :2\n  429 (Too Many Requests) :1\n  ECONNREFUSED            :1');
    expect(text).toContain('max admitted in any 1s window: 2 (rate allows 1)  OVER THE LIMIT');
    expect(text).toContain('Per target:\n  http://a/x  (2 completed requests)');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('classify', () => {
  it('names error classes', () => {
    expect(classify(new Error('x'), 'timeout')).toBe('timeout');
    expect(classify(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), null)).toBe('ECONNREFUSED');
    expect(classify(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), null)).toBe('timeout');
    expect(classify(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }), null)).toBe('socket closed');
    expect(classify(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), null)).toBe('ECONNREFUSED');
    expect(classify(new TypeError('x'), null)).toBe('TypeError');
    expect(classify(undefined, null)).toBe('error');
  });
});

describe('renderProgress', () => {
  it('draws a bar with counts', () => {
    expect(renderProgress({ sent: 60, completed: 50, ok: 10, errors: 2 }, 100, 2_000, 10)).toBe(
      '[#####.....] 50/100 50%  2xx 10  other 38  errors 2  in flight 10  2.0s',
    );
  });
});

describe('Records', () => {
  it('grows past its initial capacity and keeps every field', () => {
    const r = new Records(1);
    for (let i = 0; i < 100; i++) r.add(i % 3, i);
    r.respond(99, 150, 204);
    r.fail(98, 149, 'timeout');
    expect([r.length, r.target(99), r.sentAt(99), r.doneAt(99), r.status(99), r.error(98), r.isDone(97)]).toEqual([
      100,
      0,
      99,
      150,
      204,
      'timeout',
      false,
    ]);
  });
});
