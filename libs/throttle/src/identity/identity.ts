import type { ExecutionContext } from '@nestjs/common';
import { ClientIpResolver } from './client-ip';
import { headerValue, isHeaderName, queryValue } from './request-values';

/**
 * A function identity: return the client's identity, or `undefined`/`''` to fall back to its IP.
 * @example (req) => req.headers['x-tenant-id']
 */
export type ThrottleKeyFn = (request: any, context: ExecutionContext) => string | number | undefined | null;

/**
 * How a scope tells clients apart: `ip` (default), `user` (`request.user.id`, else IP),
 * `header:<name>`, `query:<name>` (missing, empty or repeated value: IP), or a function.
 */
export type ThrottleKey = 'ip' | 'user' | `header:${string}` | `query:${string}` | ThrottleKeyFn;

/** A key spec compiled at boot. */
export interface CompiledIdentity {
  /** The request's identity, prefixed by kind (`ip:`, `u:`, `h:`, `q:`, `f:`), not yet hashed. */
  readonly resolve: (request: any, context: ExecutionContext | undefined) => string;
  /** Known before Nest's guards run (ip, header, query): the Fastify fast lane may decide it. */
  readonly beforeGuards: boolean;
  /** The spec as configured (`function` for a function), for logs and boot lines. */
  readonly label: string;
}

/** Thrown at boot for an unusable key spec. */
export class ThrottleKeyError extends Error {
  override readonly name = 'ThrottleKeyError';
}

/** Requests without `request.user` after which a `user` key that never saw one reports it (once). */
export const USER_MISSING_AFTER = 100;

/** Called once when a `user` key has seen {@link USER_MISSING_AFTER} requests and never a `request.user`. */
export type UserMissingHook = () => void;

/**
 * Compiles a key spec once, at boot. A value the client sends several times (`?k=a&k=b`, a repeated
 * header) is no identity: the request is keyed by its IP, so a client cannot rotate a second value.
 *
 * @example
 * const byKey = compileIdentity('query:api_key', compileClientIp(0));
 * byKey.resolve(request, context); // 'q:1234', or 'ip:203.0.113.9' when api_key is missing
 */
export function compileIdentity(spec: ThrottleKey, clientIp: ClientIpResolver, onUserMissing?: UserMissingHook): CompiledIdentity {
  const ipOf = (req: any) => `ip:${requestIp(req, clientIp)}`;
  if (typeof spec === 'function') return { resolve: byFunction(spec, ipOf), beforeGuards: false, label: 'function' };
  if (spec === 'ip') return { resolve: ipOf, beforeGuards: true, label: spec };
  if (spec === 'user') return { resolve: byUser(ipOf, onUserMissing), beforeGuards: false, label: spec };
  if (typeof spec === 'string' && spec.startsWith('header:')) {
    const name = spec.slice('header:'.length).toLowerCase();
    if (!isHeaderName(name)) throw new ThrottleKeyError(`key "${spec}": "${name}" is not a header name`);
    const resolve = (req: any) => {
      const value = headerValue(req, name);
      return value !== undefined ? `h:${value}` : ipOf(req);
    };
    return { resolve, beforeGuards: true, label: spec };
  }
  if (typeof spec === 'string' && spec.startsWith('query:')) {
    const name = spec.slice('query:'.length);
    if (name.length === 0) throw new ThrottleKeyError(`key "${spec}": the query parameter name is empty`);
    const resolve = (req: any) => {
      const value = queryValue(req, name);
      return value !== undefined ? `q:${value}` : ipOf(req);
    };
    return { resolve, beforeGuards: true, label: spec };
  }
  throw new ThrottleKeyError(`key ${JSON.stringify(spec)} is not one of ip, user, header:<name>, query:<name> or a function`);
}

/**
 * `request.user.id`, else the IP. Until a user is first seen, counts the requests without one and calls
 * `onUserMissing` once after {@link USER_MISSING_AFTER}: the usual cause is authentication running after
 * the throttle guard, which silently turns a user limit into an IP limit.
 */
function byUser(ipOf: (req: any) => string, onUserMissing: UserMissingHook | undefined): CompiledIdentity['resolve'] {
  let missing = 0; // stops counting once a user is seen (-1) or the hook has fired
  return (req) => {
    // Nest middleware on Fastify receives the raw Node request, so a user it sets lands on `request.raw`.
    const id = req?.user?.id ?? req?.raw?.user?.id;
    if (present(id)) {
      missing = -1;
      return `u:${String(id)}`;
    }
    if (missing >= 0 && ++missing === USER_MISSING_AFTER) {
      missing = -1;
      onUserMissing?.();
    }
    return ipOf(req);
  };
}

function byFunction(spec: ThrottleKeyFn, ipOf: (req: any) => string): CompiledIdentity['resolve'] {
  return (req, ctx) => {
    const value: unknown = spec(req, ctx as ExecutionContext); // a throw is the request's 500 (the decider logs it)
    return present(value) ? `f:${String(value)}` : ipOf(req);
  };
}

/** The request's client address after proxy trust, in canonical form (IPv6 as its /64: `2001:db8:1:2::/64`). */
export function requestIp(req: any, clientIp: ClientIpResolver): string {
  return clientIp(remoteAddress(req), req?.headers?.['x-forwarded-for']);
}

function remoteAddress(req: any): string | undefined {
  return req?.raw?.socket?.remoteAddress ?? req?.socket?.remoteAddress ?? req?.ip;
}

export function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
