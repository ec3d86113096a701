import { ExecutionContext, Logger } from '@nestjs/common';
import { scopeKeyPrefix } from '../storage/store-key';
import type { ThrottleAlgorithm } from '../storage/throttle-storage';
import type { ClientIpResolver } from './client-ip';
import { compileIdentity, CompiledIdentity, requestIp, USER_MISSING_AFTER } from './identity';
import { compileIpRanges } from './ip-ranges';
import { checkKnownKeys } from './known-keys';
import { formatRate, MAX_LIMIT, parseRate } from './rate';
import { capacityOf, ScopeRate, scopeRate } from './scope-rate';
import { compileTier, CompiledTier } from './tier';
import type { ScopeOptions, SkipIf, ThrottleMode, ThrottleModuleOptions } from './throttle-options';

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
  /** The start of every store key of the scope (see `storage/store-key.ts`). */
  readonly keyPrefix: string;
  /** The end of every store key of the scope: `}` (sliding log), `}:gcra` (one algorithm per key, even across config changes). */
  readonly keyEnd: string;
  /** Shadow mode: decided and counted, never refused. */
  readonly shadow: boolean;
  /** Whether a request skips this scope (allow list, `skipIf`); undefined when nothing can skip it. */
  readonly skip?: (request: any, context: ExecutionContext | undefined) => boolean;
  /** A `skipIf` reads the Nest context, which only the guard has (the Fastify fast lane leaves such scopes to it). */
  readonly needsContext: boolean;
}

const SCOPE_KEYS = ['rate', 'key', 'mode', 'allow', 'skipIf', 'algorithm', 'burst', 'cost', 'tier', 'tiers'];
const ALGORITHMS: readonly ThrottleAlgorithm[] = ['sliding-log', 'gcra'];
const SCOPE_NAME = /^[A-Za-z0-9_.-]+$/;
const MODES: readonly ThrottleMode[] = ['enforce', 'shadow'];

/** Compiles one scope; pushes a readable line per problem and returns undefined when it cannot be used. */
export function compileScope(
  name: string,
  value: unknown,
  opts: ThrottleModuleOptions,
  clientIp: ClientIpResolver,
  problems: string[],
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
  const rate = attempt(
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
  const algorithm = spec.algorithm ?? 'sliding-log';
  if (!ALGORITHMS.includes(algorithm)) {
    problems.push(`scope "${name}" algorithm ${JSON.stringify(algorithm)} must be one of ${ALGORITHMS.join(', ')}`);
  }
  const burst = countOption(spec.burst, `scope "${name}" burst`, problems);
  if (burst !== undefined && algorithm !== 'gcra')
    problems.push(`scope "${name}" burst applies to algorithm gcra only (add algorithm: gcra)`);
  const cost = countOption(spec.cost, `scope "${name}" cost`, problems) ?? 1;
  if (!rate || !identity || problems.length > problemCount) return undefined;
  const counting = { algorithm, burst };
  const own = scopeRate(name, rate, counting);
  if (cost > capacityOf(own))
    problems.push(`scope "${name}" cost ${cost} exceeds its ${burst !== undefined ? 'burst' : 'limit'} ${capacityOf(own)}`);
  const tier = compileTier(name, spec.tier, spec.tiers, own, counting, cost, problems);
  if (problems.length > problemCount) return undefined;
  const capacities = [own, ...(tier?.rates.values() ?? [])].map(capacityOf);
  return {
    name,
    rate: formatRate(rate),
    ...own,
    identity,
    algorithm,
    cost,
    maxCost: Math.min(...capacities),
    tier,
    keyPrefix: scopeKeyPrefix(name),
    keyEnd: algorithm === 'gcra' ? '}:gcra' : '}',
    shadow: mode === 'shadow',
    skip: skipOf(ranges, skipIfs, clientIp),
    needsContext: skipIfs.length > 0,
  };
}

/** A positive whole number option (`burst`, `cost`), at most {@link MAX_LIMIT}; undefined when absent. */
function countOption(value: unknown, what: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= MAX_LIMIT) return value;
  problems.push(`${what} must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(value)}`);
  return undefined;
}

function skipOf(
  ranges: ReturnType<typeof compileIpRanges> | undefined,
  skipIfs: SkipIf[],
  clientIp: ClientIpResolver,
): CompiledScope['skip'] {
  if (ranges === undefined && skipIfs.length === 0) return undefined;
  return (request, context) => {
    if (ranges !== undefined && ranges.contains(requestIp(request, clientIp).replace(/\/64$/, ''))) return true;
    if (context === undefined) return false;
    for (const skipIf of skipIfs) if (skipIf(context) === true) return true;
    return false;
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
