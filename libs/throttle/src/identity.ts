import * as crypto from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import { ClientIpResolver } from './client-ip';

/**
 * A function identity: return the client's identity, or `undefined`/`''` to fall back to its IP.
 * @example (req) => req.headers['x-tenant-id']
 */
export type ThrottleKeyFn = (request: any, context: ExecutionContext) => string | number | undefined | null;

/**
 * How a scope tells clients apart: `ip` (default), `user` (`request.user.id`, else IP),
 * `header:<name>`, `query:<name>` (missing value: IP), or a function.
 */
export type ThrottleKey = 'ip' | 'user' | `header:${string}` | `query:${string}` | ThrottleKeyFn;

/** Resolves a request to its identity string (already prefixed by kind, not yet hashed). */
export type IdentityResolver = (request: any, context: ExecutionContext) => string;

/** Thrown at boot for an unusable key spec. */
export class ThrottleKeyError extends Error {
  override readonly name = 'ThrottleKeyError';
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * Compiles a key spec into a resolver once, at boot.
 *
 * @example
 * const byKey = compileIdentity('query:api_key', compileClientIp(0));
 * byKey(request, context); // 'q:1234', or 'ip:203.0.113.9' when api_key is missing
 */
export function compileIdentity(spec: ThrottleKey, clientIp: ClientIpResolver): IdentityResolver {
  const ipOf = (req: any) => `ip:${clientIp(remoteAddress(req), req?.headers?.['x-forwarded-for'])}`;
  if (typeof spec === 'function') {
    return (req, ctx) => {
      let value: unknown;
      try {
        value = spec(req, ctx);
      } catch {
        value = undefined; // a failing key function must not turn into a 500: throttle by IP instead
      }
      return present(value) ? `f:${String(value)}` : ipOf(req);
    };
  }
  if (spec === 'ip') return ipOf;
  if (spec === 'user') {
    return (req) => {
      const id = req?.user?.id;
      return present(id) ? `u:${String(id)}` : ipOf(req);
    };
  }
  if (typeof spec === 'string' && spec.startsWith('header:')) {
    const name = spec.slice('header:'.length).toLowerCase();
    if (!HEADER_NAME.test(name)) throw new ThrottleKeyError(`key "${spec}": "${name}" is not a header name`);
    return (req) => {
      const value = first(req?.headers?.[name]);
      return value !== undefined ? `h:${value}` : ipOf(req);
    };
  }
  if (typeof spec === 'string' && spec.startsWith('query:')) {
    const name = spec.slice('query:'.length);
    if (name.length === 0) throw new ThrottleKeyError(`key "${spec}": the query parameter name is empty`);
    return (req) => {
      const query = req?.query;
      const value = query !== null && typeof query === 'object' ? first(query[name]) : undefined;
      return value !== undefined ? `q:${value}` : ipOf(req);
    };
  }
  throw new ThrottleKeyError(
    `key ${JSON.stringify(spec)} is not one of ip, user, header:<name>, query:<name> or a function`,
  );
}

/**
 * Hashes an identity into a fixed-size key part, so a 10 KB api_key costs the store what a short one does
 * and raw client data (IPs, tokens) never lands in the store.
 */
export function hashIdentity(identity: string): string {
  return oneShotHash !== undefined ? oneShotHash('sha1', identity, 'base64url') : crypto.createHash('sha1').update(identity).digest('base64url');
}

/** `crypto.hash` (Node >= 20.12): one call, no Hash object per request. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

function remoteAddress(req: any): string | undefined {
  return req?.raw?.socket?.remoteAddress ?? req?.socket?.remoteAddress ?? req?.ip;
}

function first(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  return typeof v === 'number' ? String(v) : undefined;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
