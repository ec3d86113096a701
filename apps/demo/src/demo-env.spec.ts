import { DemoEnvError, readDemoEnv } from './demo-env';

describe('readDemoEnv: TRUST_PROXY', () => {
  it.each([
    [undefined, 0],
    ['', 0],
    ['2', 2],
    [' 1 ', 1],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['10.0.0.0/8, ::1,::ffff:172.16.0.0/108', ['10.0.0.0/8', '::1', '::ffff:172.16.0.0/108']],
  ])('%p → %p', (raw, expected) => {
    expect(readDemoEnv({ TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  // Regression: the demo's own check let these through (one trusted every IPv4 client, the others failed later
  // with the library's message, or trusted nobody without a word).
  it.each([
    ['::ffff:10.0.0.0/8', 'trustProxy entry "::ffff:10.0.0.0/8" is IPv4-mapped with prefix 8, below 96'],
    ['10.0.0.0/999', 'trustProxy entry "10.0.0.0/999" has prefix 999, above 32 for IPv4'],
    ['abc', 'trustProxy entry "abc" is not an IP address'],
    ['1,2', 'trustProxy entry "1" is not an IP address'],
    [',', 'expected a hop count (e.g. 1) or a CIDR list (e.g. 10.0.0.0/8,::1)'],
    ['10.0.0.0/', 'trustProxy entry "10.0.0.0/" has an empty prefix'],
    ['99999999999999999999', 'trustProxy must be a hop count'],
  ])('refuses TRUST_PROXY=%p, naming the variable and the entry', (raw, why) => {
    const read = () => readDemoEnv({ TRUST_PROXY: raw });
    expect(read).toThrow(DemoEnvError);
    expect(read).toThrow(`Invalid environment: TRUST_PROXY=${JSON.stringify(raw)}: `);
    expect(read).toThrow(why);
  });

  it('lists every bad entry, one line each', () => {
    expect(() => readDemoEnv({ TRUST_PROXY: '10.0.0.0/8/16,10.0.0.0/8,10.0.0.0/0x8' })).toThrow(
      /^Invalid environment: TRUST_PROXY="[^"]+": trustProxy entry "10\.0\.0\.0\/8\/16" [^\n]+\nInvalid environment: TRUST_PROXY="[^"]+": trustProxy entry "10\.0\.0\.0\/0x8" [^\n]+$/,
    );
  });
});
