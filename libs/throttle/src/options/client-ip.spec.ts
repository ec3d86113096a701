import { compileClientIp, normalizeIp } from './client-ip';

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
