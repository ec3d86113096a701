import type { ExecutionContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { algorithmNamed } from '../algorithms/registry';
import { ThrottleHookError } from './hook-error';
import { present } from '../identity/identity';
import { parseRate } from './grammar/rate';
import { headerValue, isHeaderName, queryValue } from '../identity/request-values';
import { capacityOf, gcraSpanProblem, isAbove, ScopeCounting, ScopeRate, scopeRate } from './scope-rate';

/**
 * A tier function: the client's tier name (a key of the scope's `tiers`), or a rate string such as
 * `'500/hour'` for a fully dynamic limit; `undefined`/`null`/an unknown name: the scope's own rate.
 * Called once per request and scope; a rate string is parsed once and cached.
 */
export type ThrottleTierFn = (request: any, context: ExecutionContext) => string | undefined | null;

/**
 * Where a scope reads the client's tier: `user:<field>` (`request.user[field]`, set by authentication),
 * `header:<name>`, `query:<name>`, or a function. The server's choices (`user:`, a function) replace the
 * scope's rate. Header and query values are the client's to choose, so their tier's rate is decided in
 * addition to the scope's own, on a counter of its own: it can only lower what the client gets (boot
 * still refuses one above the scope's rate, which could never give more). A function that throws is the
 * request's error (a 500), logged once.
 */
export type ThrottleTier = `user:${string}` | `header:${string}` | `query:${string}` | ThrottleTierFn;

/** A scope's tiers, compiled at boot. */
export interface CompiledTier {
  /** The request's tier rate, or undefined for the scope's own. */
  readonly rateOf: (request: any, context: ExecutionContext | undefined) => ScopeRate | undefined;
  /** Read before Nest's guards run (header, query): chosen by the client, so decided besides the scope's rate; the Fastify fast lane may decide it. */
  readonly beforeGuards: boolean;
  readonly label: string;
  readonly rates: ReadonlyMap<string, ScopeRate>;
}

/** Distinct rate strings a tier function may return that are parsed and cached. */
const DYNAMIC_RATES = 1_000;

/** Compiles a scope's `tier` and `tiers`; pushes one problem per mistake. */
export function compileTier(
  scope: string,
  spec: unknown,
  tiers: unknown,
  base: ScopeRate,
  counting: ScopeCounting,
  cost: number,
  problems: string[],
): CompiledTier | undefined {
  if (spec === undefined && tiers === undefined) return undefined;
  const where = `scope "${scope}"`;
  if (tiers !== undefined && (tiers === null || typeof tiers !== 'object' || Array.isArray(tiers))) {
    problems.push(`${where} tiers must map tier names to rates, e.g. { pro: "10000/hour" }, got ${JSON.stringify(tiers)}`);
    return undefined;
  }
  if (spec === undefined) {
    problems.push(`${where} has tiers but no tier: say where the tier is read, e.g. tier: "user:plan"`);
    return undefined;
  }
  const rates = new Map<string, ScopeRate>();
  for (const [name, value] of Object.entries(tiers ?? {})) {
    try {
      const rate = scopeRate(scope, parseRate(value), counting);
      if (cost > capacityOf(rate))
        problems.push(`${where} tier "${name}": cost ${cost} exceeds its ${capacityName(counting)} ${capacityOf(rate)}`);
      rates.set(name, rate);
    } catch (error) {
      problems.push(`${where} tier "${name}" rate ${JSON.stringify(value)}: ${(error as Error).message}`);
    }
  }
  const read = reader(spec, scope, where, problems);
  if (read === undefined) return undefined;
  if (read.clientChosen) {
    for (const [name, rate] of rates) {
      if (isAbove(rate, base)) {
        problems.push(
          `${where} tier "${name}" is above the scope's rate, but the tier is read from ${String(spec)}, which the client chooses: ` +
            'read it from user:<field> or a function that verifies it',
        );
      }
    }
  }
  const rateOf = typeof spec === 'function' ? dynamicRates(scope, rates, counting, cost) : (value: string) => rates.get(value);
  return {
    rateOf: (request, context) => {
      const value = read.value(request, context);
      return value === undefined ? undefined : rateOf(value);
    },
    beforeGuards: read.clientChosen,
    label: typeof spec === 'function' ? 'function' : String(spec),
    rates,
  };
}

interface TierReader {
  readonly value: (request: any, context: ExecutionContext | undefined) => string | undefined;
  /** The client sets the value (header, query). */
  readonly clientChosen: boolean;
}

function reader(spec: unknown, scope: string, where: string, problems: string[]): TierReader | undefined {
  if (typeof spec === 'function') {
    const fn = spec as ThrottleTierFn;
    const value = (req: any, ctx: ExecutionContext | undefined) => {
      let v: unknown;
      try {
        v = fn(req, ctx as ExecutionContext);
      } catch (error) {
        throw new ThrottleHookError('tier', scope, error); // the request's 500, logged by the decider
      }
      return present(v) ? String(v) : undefined;
    };
    return { value, clientChosen: false };
  }
  const text = typeof spec === 'string' ? spec : '';
  const [kind, ...rest] = text.split(':');
  const name = rest.join(':');
  if (kind === 'user' && name.length > 0) {
    const value = (req: any) => {
      const v: unknown = req?.user?.[name] ?? req?.raw?.user?.[name];
      return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
    };
    return { value, clientChosen: false };
  }
  if (kind === 'header' && isHeaderName(name.toLowerCase())) {
    const lower = name.toLowerCase();
    return { value: (req: any) => headerValue(req, lower), clientChosen: true };
  }
  if (kind === 'query' && name.length > 0) return { value: (req: any) => queryValue(req, name), clientChosen: true };
  problems.push(`${where} tier ${JSON.stringify(spec)} is not one of user:<field>, header:<name>, query:<name> or a function`);
  return undefined;
}

/** A function's result: a tier name, else a rate string (parsed once; a bad one warns once and uses the scope's rate). */
function dynamicRates(
  scope: string,
  rates: ReadonlyMap<string, ScopeRate>,
  counting: ScopeCounting,
  cost: number,
): (value: string) => ScopeRate | undefined {
  const parsed = new Map<string, ScopeRate | null>();
  const logger = new Logger('Throttle');
  return (value) => {
    const named = rates.get(value);
    if (named !== undefined) return named;
    let rate = parsed.get(value);
    if (rate === undefined) {
      try {
        rate = scopeRate(scope, parseRate(value), counting);
        if (cost > capacityOf(rate)) throw new Error(`cost ${cost} exceeds its ${capacityName(counting)} ${capacityOf(rate)}`);
        const span = gcraSpanProblem(rate);
        if (span !== undefined) throw new Error(span);
      } catch (error) {
        rate = null;
        if (parsed.size < DYNAMIC_RATES) {
          logger.warn(
            `scope "${scope}": the tier function returned ${JSON.stringify(value)}, not a tier or a usable rate (${(error as Error).message}); using the scope's rate`,
          );
        }
      }
      if (parsed.size < DYNAMIC_RATES) parsed.set(value, rate);
    }
    return rate ?? undefined;
  };
}

function capacityName(counting: ScopeCounting): string {
  return algorithmNamed(counting.algorithm).capacityName;
}
