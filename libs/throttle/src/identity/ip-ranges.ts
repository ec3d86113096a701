import { BlockList, isIP } from 'node:net';
import { unmapIpv4 } from './ip-address';

/**
 * A compiled list of addresses and CIDR ranges (proxy trust, allow lists), one list per family: an IPv4
 * address is never checked against an IPv6 range (BlockList would map it).
 */
export interface IpRanges {
  /** Whether the address (a clean IPv4 or IPv6 address, see `cleanIp`) is in one of the ranges. */
  contains(ip: string): boolean;
}

const CIDR_EXAMPLE = 'expected an address or CIDR like 10.0.0.0/8 or 2001:db8::/32';

/**
 * Compiles a list of addresses and CIDRs strictly; throws one line per bad entry, naming the option.
 *
 * @example
 * compileIpRanges(['10.0.0.0/8', '::1'], 'trustProxy').contains('10.1.2.3'); // true
 */
export function compileIpRanges(list: readonly unknown[], option: string): IpRanges {
  const v4 = new BlockList();
  const v6 = new BlockList();
  const problems: string[] = [];
  for (const entry of list) {
    const range = parseCidr(entry);
    if (typeof range === 'string') problems.push(`Invalid throttle config: ${option} entry ${JSON.stringify(entry)} ${range}`);
    else if (range.family === 4) v4.addSubnet(range.address, range.bits, 'ipv4');
    else v6.addSubnet(range.address, range.bits, 'ipv6');
  }
  if (problems.length > 0) throw new TypeError(problems.join('\n'));
  return { contains: (ip) => (isIP(ip) === 6 ? v6.check(ip, 'ipv6') : v4.check(ip, 'ipv4')) };
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
  if (address.includes('%')) return `has a zone ("${address.slice(address.indexOf('%'))}"), which a range cannot have: ${CIDR_EXAMPLE}`;
  const family = isIP(address);
  if (family !== 4 && family !== 6)
    return `${prefix === undefined ? 'is' : `has ${JSON.stringify(address)}, which is`} not an IP address: ${CIDR_EXAMPLE}`;
  const max = family === 4 ? 32 : 128;
  if (prefix === '') return `has an empty prefix after "/": ${CIDR_EXAMPLE}`;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix))
    return `has prefix ${JSON.stringify(prefix)}, not 1 to 3 decimal digits: ${CIDR_EXAMPLE}`;
  const bits = prefix === undefined ? max : Number(prefix);
  if (bits > max) return `has prefix ${bits}, above ${max} for IPv${family}: ${CIDR_EXAMPLE}`;
  const ipv4 = family === 6 ? unmapIpv4(address) : address;
  if (family === 4 || isIP(ipv4) !== 4) return { address, family, bits };
  if (bits < 96) {
    return `is IPv4-mapped with prefix ${bits}, below 96: expected a prefix from 96 to 128, like ::ffff:10.0.0.0/104 (which is 10.0.0.0/8)`;
  }
  return { address: ipv4, family: 4, bits: bits - 96 };
}
