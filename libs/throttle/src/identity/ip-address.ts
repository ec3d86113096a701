import { isIP } from 'node:net';

// Address text: the canonical forms identities and ranges are built from.

const UNKNOWN = 'unknown';

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
export function cleanIp(raw: string | undefined): string {
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

export function unmapIpv4(ip: string): string {
  const groups = expandIpv6(ip);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  return mapped ? [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.') : ip;
}

export function groupIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return `${expandIpv6(ip)
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
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
  const parse = (part: string | undefined) =>
    part
      ? part
          .split(':')
          .filter(Boolean)
          .map((h) => parseInt(h, 16))
      : [];
  const head = parse(left);
  const rest = [...parse(right), ...tail];
  const zeros = right === undefined ? [] : new Array<number>(8 - head.length - rest.length).fill(0);
  return [...head, ...zeros, ...rest];
}
