import { cleanIp, groupIp, normalizeIp } from './ip-address';
import { compileIpRanges } from './ip-ranges';

/**
 * Proxy trust: how many proxies stand in front of the app (`1` behind one load balancer),
 * or the CIDR ranges of trusted proxies (`['10.0.0.0/8', '::1/128']`). `0` (the default)
 * ignores `X-Forwarded-For` entirely, so a client cannot spoof its address.
 */
export type TrustProxy = number | readonly string[];

/** Resolves the client address of a request from the socket peer and `X-Forwarded-For`. */
export type ClientIpResolver = (remoteAddress: string | undefined, forwardedFor: string | string[] | undefined) => string;

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
      return normalizeIp(index >= 0 ? chain[index] : (chain[0] ?? remote), remote);
    };
  }
  if (!Array.isArray(trust)) {
    const got = typeof trust === 'string' ? JSON.stringify(trust) : String(trust);
    throw new TypeError(
      `Invalid throttle config: trustProxy must be a hop count >= 0 or an array of CIDRs, got ${got}: e.g. 1 or ['10.0.0.0/8']`,
    );
  }
  const trusted = compileIpRanges(trust, 'trustProxy');
  return (remote, xff) => {
    let candidate = cleanIp(remote);
    if (candidate === '' || !trusted.contains(candidate)) return normalizeIp(remote);
    const chain = forwardedChain(xff);
    for (let i = chain.length - 1; i >= 0; i--) {
      const hop = cleanIp(chain[i]);
      if (hop === '') break;
      candidate = hop;
      if (!trusted.contains(candidate)) break;
    }
    return groupIp(candidate);
  };
}

function forwardedChain(xff: string | string[] | undefined): string[] {
  if (xff === undefined) return [];
  const joined = Array.isArray(xff) ? xff.join(',') : xff;
  return joined
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
