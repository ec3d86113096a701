import type { CompiledScope } from '../options/compile-scope';
import { normalizeIp } from '../identity/ip-address';

/**
 * An identity as the scope's key resolved it from a request (`ip:203.0.113.9`, `u:42`, `h:…`, `q:…`,
 * `f:…`), from `ThrottleService.identityOf(scope, request)` or {@link ipIdentity}. A plain string passed to
 * `ThrottleService` is instead the raw value of the scope's own key kind.
 */
export interface ThrottleIdentity {
  readonly resolved: string;
}

/** What the service accepts as an identity: the raw value of the scope's key kind, or a resolved {@link ThrottleIdentity}. */
export type IdentityInput = string | ThrottleIdentity;

/**
 * An IP identity (the key of `ip` scopes, and the fallback of the others when their value is missing),
 * in the guard's canonical form: IPv4-mapped IPv6 as IPv4, IPv6 grouped by /64.
 *
 * @example
 * ipIdentity('::ffff:203.0.113.9'); // { resolved: 'ip:203.0.113.9' }
 */
export function ipIdentity(address: string): ThrottleIdentity {
  return { resolved: `ip:${normalizeIp(address)}` };
}

/** The prefix the guard gives a raw value of each key kind (see `options/identity.ts`). */
const PREFIX_OF_KIND: Readonly<Record<string, string>> = { ip: 'ip:', user: 'u:', function: 'f:' };

/**
 * The identity the guard would build for `identity` in `scope`: a resolved one as is; a raw value
 * prefixed by the scope's key kind (`ip`: `1.2.3.4` → `ip:1.2.3.4`, canonical; `user`: `42` → `u:42`;
 * `header:<name>`: `h:<value>`; `query:<name>`: `q:<value>`; a function key: `f:<value>`).
 * Throws a `TypeError` naming `identity` for anything but a non-empty string or a resolved identity.
 */
export function resolveIdentity(scope: CompiledScope, identity: IdentityInput): string {
  if (typeof identity === 'object' && identity !== null && typeof identity.resolved === 'string' && identity.resolved !== '') {
    return identity.resolved;
  }
  if (typeof identity !== 'string' || identity === '') {
    throw new TypeError(
      `ThrottleService: identity must be a non-empty string (the scope's ${scope.identity.label} value) or ThrottleService.identityOf(scope, request), got ${JSON.stringify(identity)}`,
    );
  }
  const label = scope.identity.label;
  if (label === 'ip') return ipIdentity(identity).resolved;
  if (label.startsWith('header:')) return `h:${identity}`;
  if (label.startsWith('query:')) return `q:${identity}`;
  return (PREFIX_OF_KIND[label] ?? 'f:') + identity;
}
