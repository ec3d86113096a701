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
  if (typeof trust === 'number') {
    if (!Number.isSafeInteger(trust) || trust < 0) {
      throw new TypeError(`Invalid throttle config: trustProxy must be a hop count >= 0 or a CIDR list, got ${trust}`);
    }
    return (remote, xff) => {
      const chain = forwardedChain(xff);
      // The socket peer is hop 1; each trusted hop reveals one more entry, read right to left.
      const index = chain.length - trust;
      return normalizeIp(index >= 0 ? chain[index] : chain[0] ?? remote, remote);
    };
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

function compileCidrs(list: readonly string[]): BlockList {
  const blocks = new BlockList();
  for (const entry of list) {
    const [address, bitsText] = String(entry).trim().split('/');
    const family = isIP(address);
    const bits = bitsText === undefined ? (family === 6 ? 128 : 32) : Number(bitsText);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > max) {
      throw new TypeError(`Invalid throttle config: trustProxy entry "${entry}" is not an IP address or CIDR range`);
    }
    blocks.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return blocks;
}

function isTrusted(blocks: BlockList, ip: string): boolean {
  return blocks.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}
