import type { ExecutionContext } from '@nestjs/common';
import type { CompiledIdentity } from '../identity/identity';
import { parseDuration } from '../options/grammar/duration';
import { scopeKeyPrefix } from '../storage/store-key';

/** A lease's time-to-live unless the scope says (`leaseMs`): a process that dies holding one frees it after this long. */
export const DEFAULT_LEASE_MS = 30_000;
/** The longest `leaseMs` (one day): a lease outliving that is a leak, not a slow request. */
export const MAX_LEASE_MS = 86_400_000;
/** The most requests `concurrency` may admit in flight. */
export const MAX_CONCURRENCY = 1_000_000;

/** A scope's concurrency limit, compiled: at most `limit` requests of one client in flight, each lease living at most `leaseMs`. */
export interface LeaseScope {
  readonly name: string;
  readonly limit: number;
  readonly leaseMs: number;
  readonly identity: CompiledIdentity;
  /** The scope's key prefix (`<scope>:{`); a lease set's key is `<scope>:{<hashed identity>}:lease`, the rate key's hash tag. */
  readonly keyPrefix: string;
  /** This scope's `RateLimit-Policy` item: `"export";q=2;qu="concurrent-requests"`. */
  readonly policy: string;
  readonly skip?: (request: any, context: ExecutionContext | undefined) => boolean;
  readonly needsContext: boolean;
}

/** The end of every lease set's key (after the identity's hash tag). */
export const LEASE_KEY_END = '}:lease';

/** The parts of a scope's options a concurrency limit reads. */
export interface ConcurrencySpec {
  readonly concurrency?: unknown;
  readonly leaseMs?: unknown;
}

/**
 * A scope's `concurrency` and `leaseMs`, validated: `undefined` when the scope sets no `concurrency`
 * (a `leaseMs` alone is a problem), else the limit and lease TTL. Pushes one problem per mistake, naming the option.
 *
 * @example
 * compileConcurrency('export', { concurrency: 2, leaseMs: '1m' }, problems); // { limit: 2, leaseMs: 60000 }
 */
export function compileConcurrency(
  name: string,
  spec: ConcurrencySpec,
  problems: string[],
): { readonly limit: number; readonly leaseMs: number } | undefined {
  const { concurrency, leaseMs } = spec;
  if (concurrency === undefined) {
    if (leaseMs !== undefined) problems.push(`scope "${name}": leaseMs needs concurrency (the requests in flight it limits)`);
    return undefined;
  }
  const count = problems.length;
  if (!(typeof concurrency === 'number' && Number.isSafeInteger(concurrency) && concurrency >= 1 && concurrency <= MAX_CONCURRENCY))
    problems.push(
      `scope "${name}" concurrency must be a positive integer (requests of one client in flight), e.g. 2; got ${JSON.stringify(concurrency)}`,
    );
  let ms = DEFAULT_LEASE_MS;
  if (leaseMs !== undefined) {
    try {
      ms = parseDuration(leaseMs, 'leaseMs');
      if (ms > MAX_LEASE_MS) problems.push(`scope "${name}" leaseMs must be at most 1 day (${MAX_LEASE_MS} ms), got ${ms}`);
    } catch (error) {
      problems.push(`scope "${name}" ${(error as Error).message}`);
    }
  }
  return problems.length > count ? undefined : { limit: concurrency as number, leaseMs: ms };
}

/** One concurrency scope's `RateLimit-Policy` item (draft-ietf-httpapi-ratelimit-headers: quota unit `concurrent-requests`). */
export function leasePolicyItem(name: string, limit: number): string {
  return `"${name}";q=${limit};qu="concurrent-requests"`;
}

/** The options that need a rate, set on a scope that has only `concurrency`: one problem naming them. */
export function ratelessProblems(name: string, spec: object, problems: string[]): void {
  const options = spec as Record<string, unknown>;
  const needRate = ['algorithm', 'burst', 'cost', 'tier', 'tiers', 'blockFor', 'count', 'countIf'].filter((k) => options[k] !== undefined);
  if (needRate.length > 0) problems.push(`scope "${name}": ${needRate.join(', ')} need a rate (the scope has only concurrency)`);
}

/** A concurrency scope, compiled from its limit and the scope's identity and skips. */
export function leaseScopeOf(
  name: string,
  concurrency: { readonly limit: number; readonly leaseMs: number },
  identity: CompiledIdentity,
  skip: LeaseScope['skip'],
  needsContext: boolean,
): LeaseScope {
  const policy = leasePolicyItem(name, concurrency.limit);
  return { name, ...concurrency, identity, keyPrefix: scopeKeyPrefix(name), policy, skip, needsContext };
}
