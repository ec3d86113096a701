import * as fc from 'fast-check';
import { compileClientIp } from './client-ip';
import { normalizeIp } from './ip-address';

describe('normalizeIp', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:c000:0201', '192.0.2.1'],
    ['2001:db8:a:b:c:d:e:f', '2001:db8:a:b::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['[2001:db8:1:2::5]', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['192.0.2.1:5678', '192.0.2.1'],
  ])('%p → %p', (raw, expected) => {
    expect(normalizeIp(raw)).toBe(expected);
  });

  it('falls back for garbage', () => {
    expect(normalizeIp('not-an-ip', '192.0.2.9')).toBe('192.0.2.9');
    expect(normalizeIp(undefined)).toBe('unknown');
  });
});

describe('compileClientIp', () => {
  it('ignores X-Forwarded-For without trust', () => {
    expect(compileClientIp(0)('192.0.2.1', '203.0.113.5')).toBe('192.0.2.1');
    expect(compileClientIp(undefined)('192.0.2.1', '203.0.113.5')).toBe('192.0.2.1');
  });

  it('reads right to left by hop count', () => {
    const xff = '198.51.100.1, 203.0.113.5, 10.0.0.3';
    expect(compileClientIp(1)('10.0.0.9', xff)).toBe('10.0.0.3');
    expect(compileClientIp(2)('10.0.0.9', xff)).toBe('203.0.113.5');
    expect(compileClientIp(3)('10.0.0.9', xff)).toBe('198.51.100.1');
    expect(compileClientIp(9)('10.0.0.9', xff)).toBe('198.51.100.1');
    expect(compileClientIp(1)('10.0.0.9', undefined)).toBe('10.0.0.9');
    expect(compileClientIp(1)('10.0.0.9', ['198.51.100.1', '203.0.113.5'])).toBe('203.0.113.5');
    expect(compileClientIp(1)('10.0.0.9', 'garbage')).toBe('10.0.0.9');
  });

  it('walks trusted CIDRs right to left and stops at the first untrusted hop', () => {
    const ip = compileClientIp(['10.0.0.0/8', '2001:db8::/32']);
    expect(ip('10.0.0.9', '198.51.100.1, 203.0.113.5, 10.1.1.1')).toBe('203.0.113.5');
    expect(ip('2001:db8::7', '203.0.113.5')).toBe('203.0.113.5');
    expect(ip('192.0.2.1', '203.0.113.5')).toBe('192.0.2.1'); // peer not trusted: header ignored
    expect(ip('10.0.0.9', '10.2.2.2')).toBe('10.2.2.2'); // all trusted: the furthest
    expect(ip('10.0.0.9', 'bogus, 10.2.2.2')).toBe('10.2.2.2');
  });

  it('rejects bad trust settings at boot', () => {
    expect(() => compileClientIp(-1)).toThrow('trustProxy must be a hop count');
    expect(() => compileClientIp(['10.0.0.0/33'])).toThrow('trustProxy entry "10.0.0.0/33"');
    expect(() => compileClientIp(['proxy.local'])).toThrow('trustProxy entry "proxy.local"');
  });
});

const EXAMPLE = 'expected an address or CIDR like 10.0.0.0/8';
const refusal = (entries: unknown[]) => () => compileClientIp(entries as string[]);

// Regression: "10.0.0.0/" parsed as /0 and trusted every client; "/8/16", "/0x8", "/ 8" were accepted;
// "::ffff:10.0.0.0/8" and "::/64" trusted every IPv4 client through the IPv4-mapped range.
describe('trustProxy CIDR entries are parsed strictly', () => {
  it.each([
    ['10.0.0.0/', 'empty prefix'],
    ['10.0.0.0/8/16', 'more than one "/"'],
    ['10.0.0.0/0x8', 'prefix "0x8"'],
    ['10.0.0.0/+8', 'prefix "+8"'],
    ['10.0.0.0/8.0', 'prefix "8.0"'],
    ['10.0.0.0/1e1', 'prefix "1e1"'],
    ['10.0.0.0/0008', 'prefix "0008"'],
    ['10.0.0.0/ 8', 'whitespace'],
    ['10.0.0.0 /8', 'whitespace'],
    ['10.0.0.0/33', 'prefix 33, above 32 for IPv4'],
    ['2001:db8::/129', 'prefix 129, above 128 for IPv6'],
    ['/8', 'not an IP address'],
    ['', 'not an IP address'],
    ['proxy.local', 'not an IP address'],
    ['10.0.0.256/8', 'not an IP address'],
    ['fe80::1%eth0/64', 'zone'],
  ])('refuses %p at boot (%s), naming the entry and giving an example', (entry, why) => {
    expect(refusal([entry])).toThrow(`Invalid throttle config: trustProxy entry ${JSON.stringify(entry)}`);
    expect(refusal([entry])).toThrow(why);
    expect(refusal([entry])).toThrow(EXAMPLE);
  });

  it('refuses an IPv4-mapped CIDR with a prefix below 96 (it would reach beyond IPv4)', () => {
    expect(refusal(['::ffff:10.0.0.0/8'])).toThrow(
      'Invalid throttle config: trustProxy entry "::ffff:10.0.0.0/8" is IPv4-mapped with prefix 8, below 96: expected a prefix from 96 to 128, like ::ffff:10.0.0.0/104 (which is 10.0.0.0/8)',
    );
  });

  it('refuses entries that are not strings, and a trust setting that is neither a hop count nor an array', () => {
    expect(refusal([8])).toThrow('trustProxy entry 8 is not a string');
    expect(() => compileClientIp('10.0.0.0/8' as never)).toThrow(
      `trustProxy must be a hop count >= 0 or an array of CIDRs, got "10.0.0.0/8"`,
    );
    expect(() => compileClientIp(true as never)).toThrow('got true');
    expect(() => compileClientIp(1.5)).toThrow('trustProxy must be a hop count');
    expect(() => compileClientIp(Number.NaN)).toThrow('trustProxy must be a hop count');
  });

  it('reports every bad entry, one line each', () => {
    expect(refusal(['10.0.0.0/', '10.0.0.0/8', 'x'])).toThrow(
      /^Invalid throttle config: trustProxy entry "10\.0\.0\.0\/" [^\n]+\nInvalid throttle config: trustProxy entry "x" [^\n]+$/,
    );
  });

  it.each([
    [['::ffff:10.0.0.0/104'], '10.1.2.3', '11.0.0.1'],
    [['::ffff:a00:0/104'], '::ffff:10.1.2.3', '::ffff:11.0.0.1'],
    [['::FFFF:10.1.2.3'], '10.1.2.3', '10.1.2.4'],
    [['10.0.0.0/08'], '10.200.0.1', '11.0.0.1'],
    [[' 10.1.2.3 '], '10.1.2.3', '10.1.2.4'],
    [['::/64'], '::7', '192.0.2.1'], // an IPv6 range never covers IPv4 peers
    [['0.0.0.0/1'], '::ffff:0:7', '::7'], // an IPv4 range covers IPv4-mapped peers, not IPv6 ones
  ])('%p trusts %p and not %p', (entries, trusted, untrusted) => {
    const ip = compileClientIp(entries);
    expect(ip(trusted, '203.0.113.5')).toBe('203.0.113.5');
    expect(ip(untrusted, '203.0.113.5')).toBe(normalizeIp(untrusted));
  });
});

// Trusted ranges live in 10.0.0.0/8 and fd00::/8; untrusted clients come from TEST-NETs and 2001:db8::/32, which
// no trusted entry covers unless its prefix is 0 (IPv4-mapped: 96), "trust everyone", excluded below.
const octet = fc.integer({ min: 0, max: 255 });
const group = fc.integer({ min: 0, max: 0xffff }).map((g) => g.toString(16));
const inTen = fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`);
const inFd = fc.array(group, { minLength: 7, maxLength: 7 }).map((gs) => `fd00:${gs.join(':')}`);
const trustedAddress = fc.oneof(
  inTen,
  inFd,
  inTen.map((ip) => `::ffff:${ip}`),
);
const testNet = fc.tuple(fc.constantFrom('192.0.2', '198.51.100', '203.0.113'), octet).map(([net, d]) => `${net}.${d}`);
const untrusted = fc.oneof(
  testNet,
  testNet.map((ip) => `::ffff:${ip}`),
  fc.array(group, { minLength: 6, maxLength: 6 }).map((gs) => `2001:db8:${gs.join(':')}`),
);
const prefixText = fc.oneof(
  fc.integer({ min: 0, max: 140 }).map(String),
  fc.string({ unit: fc.constantFrom(...'0123456789/x +-.e'), maxLength: 5 }),
);
const entry = fc
  .tuple(trustedAddress, fc.option(prefixText))
  .filter(([address, prefix]) => prefix === null || !(address.startsWith('::ffff:') ? /^0?96$/ : /^0{1,3}$/).test(prefix))
  .map(([address, prefix]) => (prefix === null ? address : `${address}/${prefix}`));
const hop = fc.oneof(trustedAddress, untrusted, fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 12 }));
const forwardedFor = fc.option(
  fc.oneof(
    fc.array(hop, { maxLength: 5 }).map((hops) => hops.join(', ')),
    fc.array(hop, { maxLength: 3 }),
  ),
  { nil: undefined },
);

describe('property: a client outside the trusted ranges never chooses its identity through X-Forwarded-For', () => {
  it('whatever the trustProxy entries, they are refused at boot or the untrusted peer is its own identity', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), untrusted, forwardedFor, (entries, peer, xff) => {
        let ip;
        try {
          ip = compileClientIp(entries);
        } catch {
          return; // refused at boot
        }
        accepted++;
        expect(ip(peer, xff)).toBe(normalizeIp(peer));
      }),
      { seed: 20240611, numRuns: 2_000 },
    );
    expect(accepted).toBeGreaterThan(200); // the property also ran on accepted lists
  });

  it('behind trusted proxies, the identity is the first untrusted hop from the right, whatever the client sent before it', () => {
    const ranges = fc.tuple(
      fc.constantFrom('10.0.0.0/8', '::ffff:10.0.0.0/104', '::ffff:a00:0/104', '10.0.0.0/08'),
      fc.constantFrom('fd00::/8', 'FD00::/8'),
    );
    const trustedHop = fc.oneof(
      inTen,
      inFd,
      inTen.map((ip) => `::ffff:${ip}`),
    );
    fc.assert(
      fc.property(
        ranges,
        fc.array(hop, { maxLength: 4 }),
        untrusted,
        fc.array(trustedHop, { maxLength: 3 }),
        trustedHop,
        (list, sent, client, proxies, peer) => {
          const ip = compileClientIp(list);
          expect(ip(peer, [...sent, client, ...proxies].join(', '))).toBe(normalizeIp(client));
        },
      ),
      { seed: 20240611, numRuns: 1_000 },
    );
  });
});
