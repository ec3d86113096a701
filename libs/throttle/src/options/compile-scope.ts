import { ExecutionContext, Logger } from '@nestjs/common';
import { algorithmNamed } from '../algorithms/registry';
import { scopeKeyPrefix } from '../storage/store-key';
import type { ThrottleAlgorithm } from '../storage/throttle-storage';
import type { ClientIpResolver } from '../identity/client-ip';
import { compileBlock } from './grammar/duration';
import { compileCount } from './count-outcome';
import { compileIdentity, CompiledIdentity, USER_MISSING_AFTER } from '../identity/identity';
import { compileIpRanges } from '../identity/ip-ranges';
import { checkKnownKeys } from './grammar/known-keys';
import { compileRates } from './compile-rates';
import { skipOf } from './scope-skip';
import { formatRate, parseRate } from './grammar/rate';
import type { ScopeRate } from './scope-rate';
import { ThrottleHookError } from './hook-error';
import type { CompiledTier } from './tier';
import type { ScopeOptions, SkipIf, ThrottleMode, ThrottleModuleOptions } from './throttle-options';
import { compileConcurrency, LeaseScope, leaseScopeOf, ratelessProblems } from '../concurrency/lease-options';

/** One scope, compiled at boot so the hot path never parses or branches on option variants. Its own rate is the {@link ScopeRate} fields. */
export interface CompiledScope extends ScopeRate {
  readonly name: string;
  /** The rate in its shortest form (`60/m`). */
  readonly rate: string;
  readonly identity: CompiledIdentity;
  readonly algorithm: ThrottleAlgorithm;
  /** Units a request of the scope costs, unless its route says (`@ThrottleCost`). */
  readonly cost: number;
  /** The most one request may cost: the smallest limit (sliding log) or burst (GCRA) over the scope's rate and tiers. */
  readonly maxCost: number;
  /** The client's tier, when the scope has tiers. */
  readonly tier?: CompiledTier;
  /** How long the scope's keys keep admissions, when tiers the server chooses have longer windows than some rate (see `compile-rates.ts`). */
  readonly retainMs?: number;
  /** The start of every store key of the scope (see `storage/store-key.ts`). */
  readonly keyPrefix: string;
  /** The end of every store key of the scope: `}` (sliding log), `}:gcra` (one algorithm per key, even across config changes). */
  readonly keyEnd: string;
  /** Shadow mode: decided and counted, never refused. */
  readonly shadow: boolean;
  /** `blockFor` in ms: how long a client this scope refuses stays refused. */
  readonly blockMs?: number;
  /** `count`/`countIf`: whether an admitted request counts, by its response status (GraphQL, WS: `outcomeStatus`); undefined: all count. */
  readonly countIf?: (status: number) => boolean;
  /** Whether a request skips this scope (allow list, `skipIf`); undefined when nothing can skip it. */
  readonly skip?: (request: any, context: ExecutionContext | undefined) => boolean;
  /** A `skipIf` reads the Nest context, which only the guard has (the Fastify fast lane leaves such scopes to it). */
  readonly needsContext: boolean;
}

const SCOPE_KEYS = [
  'rate',
  'key',
  'mode',
  'allow',
  'skipIf',
  'algorithm',
  'burst',
  'cost',
  'tier',
  'tiers',
  'blockFor',
  'count',
  'countIf',
  'concurrency',
  'leaseMs',
  'priority',
];
const SCOPE_NAME = /^[A-Za-z0-9_.-]+$/;
const MODES: readonly ThrottleMode[] = ['enforce', 'shadow'];

/**
 * Compiles one scope; pushes a readable line per problem and returns undefined when it cannot be used or
 * has no rate. A scope with `concurrency` also goes into `leases` (a scope may have a rate, a concurrency limit, or both).
 */
export function compileScope(
  name: string,
  value: unknown,
  opts: ThrottleModuleOptions,
  clientIp: ClientIpResolver,
  problems: string[],
  leases?: Map<string, LeaseScope>,
): CompiledScope | undefined {
  if (!SCOPE_NAME.test(name)) {
    problems.push(`scope "${name}": names may use letters, digits, "_", "." and "-" only`);
    return undefined;
  }
  const spec = typeof value === 'string' ? { rate: value } : (value as ScopeOptions | undefined);
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    problems.push(`scope "${name}": expected a rate like "60/minute" or { rate, key }, got ${JSON.stringify(value)}`);
    return undefined;
  }
  checkKnownKeys(spec, SCOPE_KEYS, `key in scope "${name}":`, problems);
  const problemCount = problems.length;
  const concurrency = compileConcurrency(name, spec, problems);
  const rateless = spec.rate === undefined && spec.concurrency !== undefined;
  if (rateless) ratelessProblems(name, spec, problems);
  const rate = rateless
    ? undefined
    : attempt(
        problems,
        () => parseRate(spec.rate),
        (e) => `scope "${name}" rate ${JSON.stringify(spec.rate)}: ${e}`,
      );
  const identity = attempt(
    problems,
    () => compileIdentity(spec.key ?? opts.key ?? 'ip', clientIp, userMissingWarning(name)),
    (e) => `scope "${name}" ${e}`,
  );
  const mode = spec.mode ?? opts.mode ?? 'enforce';
  if (!MODES.includes(mode)) problems.push(`scope "${name}" mode ${JSON.stringify(mode)} must be one of ${MODES.join(', ')}`);
  const skipIfs = [opts.skipIf, spec.skipIf].filter((f): f is SkipIf => f !== undefined);
  if (skipIfs.some((f) => typeof f !== 'function')) problems.push(`scope "${name}": skipIf must be a function (context) => boolean`);
  const allow = [...listOf(opts.allow, 'allow', problems), ...listOf(spec.allow, `scope "${name}" allow`, problems)];
  const ranges =
    allow.length > 0
      ? attempt(
          problems,
          () => compileIpRanges(allow, 'allow'),
          (e) => e.replace(/^Invalid throttle config: /, ''),
        )
      : undefined;
  const rates = rateless ? undefined : compileRates(name, spec, rate, problems);
  const blockMs = compileBlock(name, spec.blockFor, rates?.algorithm, problems);
  const countIf = compileCount(name, spec.count, spec.countIf, problems);
  if (concurrency !== undefined && mode === 'shadow') problems.push(`scope "${name}": concurrency is not supported in shadow mode`);
  const skip = skipOf(name, ranges, skipIfs, clientIp);
  const keyed = identity?.label === 'function' ? hooked(identity, name) : identity;
  if (concurrency !== undefined && keyed !== undefined && problems.length === problemCount)
    leases?.set(name, leaseScopeOf(name, concurrency, keyed, skip, skipIfs.length > 0));
  if (!rate || !rates || !identity || problems.length > problemCount) return undefined;
  return {
    name,
    rate: formatRate(rate),
    ...rates.own,
    identity: keyed!,
    algorithm: rates.algorithm,
    cost: rates.cost,
    maxCost: rates.maxCost,
    tier: rates.tier,
    retainMs: rates.retainMs,
    keyPrefix: scopeKeyPrefix(name),
    keyEnd: algorithmNamed(rates.algorithm).keyEnd,
    shadow: mode === 'shadow',
    blockMs,
    countIf,
    skip,
    needsContext: skipIfs.length > 0,
  };
}

/** A function identity whose throw becomes a {@link ThrottleHookError} naming the scope. */
function hooked(identity: CompiledIdentity, scope: string): CompiledIdentity {
  const resolve = identity.resolve;
  return {
    ...identity,
    resolve: (request, context) => {
      try {
        return resolve(request, context);
      } catch (error) {
        throw new ThrottleHookError('key', scope, error);
      }
    },
  };
}

function listOf(value: unknown, option: string, problems: string[]): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value as string[];
  problems.push(`${option} must be a list of addresses or CIDRs, e.g. ["10.0.0.0/8"], got ${JSON.stringify(value)}`);
  return [];
}

function userMissingWarning(scope: string): () => void {
  return () =>
    new Logger('Throttle').warn(
      `scope "${scope}" is keyed by user, but ${USER_MISSING_AFTER} requests came without request.user: they are limited by IP. ` +
        'The throttle guard runs before controller guards: set request.user in middleware or in a global guard registered before ThrottleModule.',
    );
}

/** Runs `fn`; on an error, pushes one problem per line of its message (as `describe` words it). */
export function attempt<T>(problems: string[], fn: () => T, describe: (message: string) => string): T | undefined {
  try {
    return fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const line of message.split('\n')) problems.push(describe(line)); // one problem per line
    return undefined;
  }
}
