import { parseDuration } from './duration';

describe('parseDuration (blockFor)', () => {
  it('reads milliseconds and the rate grammar’s periods', () => {
    expect(parseDuration('15m', 'blockFor')).toBe(900_000);
    expect(parseDuration('1h', 'blockFor')).toBe(3_600_000);
    expect(parseDuration('15 minutes', 'blockFor')).toBe(900_000);
    expect(parseDuration('2d', 'blockFor')).toBe(172_800_000);
    expect(parseDuration(60_000, 'blockFor')).toBe(60_000);
  });

  it('refuses anything else, naming the option', () => {
    expect(() => parseDuration('1 month', 'blockFor')).toThrow(/^blockFor "1 month": .*month/);
    expect(() => parseDuration(0, 'blockFor')).toThrow('blockFor must be a positive integer of milliseconds');
    expect(() => parseDuration(1.5, 'blockFor')).toThrow('blockFor must be a positive integer');
    expect(() => parseDuration('', 'blockFor')).toThrow('blockFor must be a duration like "15m"');
    expect(() => parseDuration({}, 'blockFor')).toThrow('blockFor must be a duration');
    expect(() => parseDuration('x', 'blockFor')).toThrow(/^blockFor "x": /);
  });
});
