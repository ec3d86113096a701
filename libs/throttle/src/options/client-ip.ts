import { BlockList, isIP } from 'node:net';

/**
 * Proxy trust: how many proxies stand in front of the app (`1` behind one load balancer),
 * or the CIDR ranges of trusted proxies (`['10.0.0.0/8', '::1/128']`). `0` (the default)
 * ignores `X-Forwarded-For` entirely, so a client cannot spoof its address.
 */
export type TrustProxy = number | readonly string[];

/** Resolves the client address of a request from the socket peer and `X-Forwarded-For`. */
export type ClientIpResolver = (remoteAddress: string | undefined, forwardedFor: string | string[] | undefined) => string;

const UNKNOWN = 'unknown';

/**
 * Builds the resolver once, at boot, from the trust setting (validated here).
 *
 * @example
 * const ip = compileClientIp(1);
 * ip('10.0.0.2', '203.0.113.9, 198.51.100.7'); // '198.51.100.7' (the proxy's view of the client)
 */
export function compileClientIp(trust: TrustProxy | undefined): ClientIpResolver {
  if (trust === undefined || trust === 0) return (remote) => normalizeIp(remote);
  if (typeof trust === 'number' && Number.isSafeInteger(trust) && trust > 0) {
    return (remote, xff) => {
      const chain = forwardedChain(xff);
      // The socket peer is hop 1; each trusted hop reveals one more entry, read right to left.
      const index = chain.length - trust;
      return normalizeIp(index >= 0 ? chain[index] : chain[0] ?? remote, remote);
    };
  }
  if (!Array.isArray(trust)) {
    const got = typeof trust === 'string' ? JSON.stringify(trust) : String(trust);
    throw new TypeError(`Invalid throttle config: trustProxy must be a hop count >= 0 or an array of CIDRs, got ${got}: e.g. 1 or ['10.0.0.0/8']`);
  }
  const trusted = compileCidrs(trust);
  return (remote, xff) => {
    let candidate = cleanIp(remote);
    if (candidate === '' || !isTrusted(trusted, candidate)) return normalizeIp(remote);
    const chain = forwardedChain(xff);
    for (let i = chain.length - 1; i >= 0; i--) {
      const hop = cleanIp(chain[i]);
      if (hop === '') break;
      candidate = hop;
      if (!isTrusted(trusted, candidate)) break;
    }
    return groupIp(candidate);
  };
}

/**
 * Canonical form of an address for use as an identity: IPv4-mapped IPv6 becomes IPv4, IPv6 is
 * grouped by its /64 prefix (one subscriber usually owns a whole /64). Invalid input gives `fallback`.
 */
export function normalizeIp(raw: string | undefined, fallback?: string): string {
  const ip = cleanIp(raw);
  if (ip !== '') return groupIp(ip);
  return fallback === undefined ? UNKNOWN : normalizeIp(fallback);
}

/** The bare address (no brackets, zone or port; IPv4-mapped IPv6 as IPv4), or '' if invalid. */
function cleanIp(raw: string | undefined): string {
  if (raw === undefined) return '';
  let ip = raw.trim();
  if (ip.startsWith('[') && ip.includes(']')) ip = ip.slice(1, ip.indexOf(']'));
  const zone = ip.indexOf('%');
  if (zone !== -1) ip = ip.slice(0, zone);
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family === 6) return unmapIpv4(ip);
  const colon = ip.lastIndexOf(':'); // "1.2.3.4:5678" from some proxies
  if (colon > 0 && isIP(ip.slice(0, colon)) === 4) return ip.slice(0, colon);
  return '';
}

function unmapIpv4(ip: string): string {
  const groups = expandIpv6(ip);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  return mapped ? [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.') : ip;
}

function groupIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return `${expandIpv6(ip).slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** Expands a valid IPv6 address (as checked by `isIP`) into its eight 16-bit groups. */
function expandIpv6(ip: string): number[] {
  let text = ip.toLowerCase();
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, -dotted[1].length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const [left, right] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').filter(Boolean).map((h) => parseInt(h, 16)) : []);
  const head = parse(left);
  const rest = [...parse(right), ...tail];
  const zeros = right === undefined ? [] : new Array<number>(8 - head.length - rest.length).fill(0);
  return [...head, ...zeros, ...rest];
}

function forwardedChain(xff: string | string[] | undefined): string[] {
  if (xff === undefined) return [];
  const joined = Array.isArray(xff) ? xff.join(',') : xff;
  return joined.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

const CIDR_EXAMPLE = 'expected an address or CIDR like 10.0.0.0/8 or 2001:db8::/32';

/** Trusted ranges, one list per family: an IPv4 peer is never checked against an IPv6 range (BlockList would map it). */
interface TrustedRanges {
  v4: BlockList;
  v6: BlockList;
}

/** Compiles the CIDR list; throws one line per bad entry. */
function compileCidrs(list: readonly unknown[]): TrustedRanges {
  const ranges: TrustedRanges = { v4: new BlockList(), v6: new BlockList() };
  const problems: string[] = [];
  for (const entry of list) {
    const range = parseCidr(entry);
    if (typeof range === 'string') problems.push(`Invalid throttle config: trustProxy entry ${JSON.stringify(entry)} ${range}`);
    else if (range.family === 4) ranges.v4.addSubnet(range.address, range.bits, 'ipv4');
    else ranges.v6.addSubnet(range.address, range.bits, 'ipv6');
  }
  if (problems.length > 0) throw new TypeError(problems.join('\n'));
  return ranges;
}

/**
 * One entry: an address, or `<address>/<prefix>` with 1 to 3 decimal digits within the family's range. An
 * IPv4-mapped range (`::ffff:10.0.0.0/104`) becomes its IPv4 equivalent (`10.0.0.0/8`). A string says what is wrong.
 */
function parseCidr(entry: unknown): { address: string; family: 4 | 6; bits: number } | string {
  if (typeof entry !== 'string') return `is not a string: ${CIDR_EXAMPLE}`;
  const text = entry.trim();
  if (/\s/.test(text)) return `contains whitespace: ${CIDR_EXAMPLE}`;
  const [address, prefix, ...extra] = text.split('/');
  if (extra.length > 0) return `has more than one "/": ${CIDR_EXAMPLE}`;
  if (address.includes('%')) return `has a zone ("${address.slice(address.indexOf('%'))}"), which a trusted range cannot have: ${CIDR_EXAMPLE}`;
  const family = isIP(address);
  if (family !== 4 && family !== 6) return `${prefix === undefined ? 'is' : `has ${JSON.stringify(address)}, which is`} not an IP address: ${CIDR_EXAMPLE}`;
  const max = family === 4 ? 32 : 128;
  if (prefix === '') return `has an empty prefix after "/": ${CIDR_EXAMPLE}`;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return `has prefix ${JSON.stringify(prefix)}, not 1 to 3 decimal digits: ${CIDR_EXAMPLE}`;
  const bits = prefix === undefined ? max : Number(prefix);
  if (bits > max) return `has prefix ${bits}, above ${max} for IPv${family}: ${CIDR_EXAMPLE}`;
  const ipv4 = family === 6 ? unmapIpv4(address) : address;
  if (family === 4 || isIP(ipv4) !== 4) return { address, family, bits };
  if (bits < 96) {
    return `is IPv4-mapped with prefix ${bits}, below 96: expected a prefix from 96 to 128, like ::ffff:10.0.0.0/104 (which is 10.0.0.0/8)`;
  }
  return { address: ipv4, family: 4, bits: bits - 96 };
}

function isTrusted(ranges: TrustedRanges, ip: string): boolean {
  return isIP(ip) === 6 ? ranges.v6.check(ip, 'ipv6') : ranges.v4.check(ip, 'ipv4');
}
