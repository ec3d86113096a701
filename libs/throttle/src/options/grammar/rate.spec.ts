import * as fc from 'fast-check';
import { formatRate, parseRate } from './rate';

describe('parseRate', () => {
  it.each([
    ['60/minute', 60, 60_000],
    ['1/s', 1, 1_000],
    ['5/10s', 5, 10_000],
    ['100/15m', 100, 900_000],
    ['10/sec', 10, 1_000],
    ['3/second', 3, 1_000],
    ['1000/h', 1_000, 3_600_000],
    ['2/hour', 2, 3_600_000],
    ['7/d', 7, 86_400_000],
    ['7/day', 7, 86_400_000],
    ['100/30d', 100, 30 * 86_400_000],
    [' 60 / min ', 60, 60_000],
    ['60/MINUTE', 60, 60_000],
    ['60/minutes', 60, 60_000],
    ['10/hours', 10, 3_600_000],
    ['2/seconds', 2, 1_000],
    ['3/days', 3, 86_400_000],
  ])('parses %p', (text, limit, windowMs) => {
    expect(parseRate(text)).toEqual({ limit, windowMs });
  });

  it.each([
    ['100/month', 'unknown period "month" (use s, m, h, d, e.g. 100/30d)'],
    ['1 minutee', 'expected <N>/<period> like "60/minute" or "100/15m": did you mean "1/minute"?'],
    ['10/hr', 'unknown period "hr" (use s, m, h, d, e.g. 100/30d): did you mean "10/h"?'],
    ['5/10mins', 'unknown period "mins" (use s, m, h, d, e.g. 100/30d): did you mean "5/10min"?'],
    ['0/m', 'the count must be a positive integer, got "0"'],
    ['-1/s', 'expected <N>/<period>'],
    ['1.5/s', 'expected <N>/<period>'],
    ['5/0s', 'the period multiplier must be a positive integer, got "0"'],
    ['', 'expected <N>/<period>'],
    ['/m', 'expected <N>/<period>'],
    ['10/', 'expected <N>/<period>'],
    ['99999999/s', 'above the maximum'],
    ['1/400d', 'longer than the maximum of 366 days'],
  ])('refuses %p', (text, message) => {
    expect(() => parseRate(text)).toThrow(message);
  });

  it('suggests nothing when no period is near (no "did you mean")', () => {
    expect(() => parseRate('100/month')).not.toThrow('did you mean');
    expect(() => parseRate('10 per fortnight')).not.toThrow('did you mean');
  });

  it('refuses non-strings with what it got', () => {
    expect(() => parseRate(60)).toThrow('expected a string like "60/minute", got number 60');
    expect(() => parseRate(undefined)).toThrow('got nothing');
  });

  it('round-trips through formatRate (property)', () => {
    const unit = fc.constantFrom('s', 'm', 'h', 'd');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 300 }), unit, (n, k, u) => {
        const rate = parseRate(`${n}/${k}${u}`);
        expect(parseRate(formatRate(rate))).toEqual(rate);
      }),
    );
    expect(formatRate(parseRate('60/minute'))).toBe('60/m');
    expect(formatRate(parseRate('5/10s'))).toBe('5/10s');
    expect(formatRate(parseRate('100/15m'))).toBe('100/15m');
  });
});
