import type { ScopeOptions, ThrottleModuleOptions } from '../options/throttle-options';

/** Environment variables, e.g. `process.env`. */
export type ThrottleEnv = Readonly<Record<string, string | undefined>>;

/** A value from the environment: the option it sets and the variable it came from. */
export interface EnvValue {
  readonly option: string;
  readonly variable: string;
  readonly value: unknown;
}

type Kind = 'number' | 'boolean' | 'string' | 'trustProxy' | 'booleanOrString' | 'metrics';

/**
 * The module options the environment may set, each from `THROTTLE_` + the option in capitals
 * (`storeTimeoutMs` ← `THROTTLE_STORE_TIMEOUT_MS`), and how its string is read: numbers and booleans
 * are converted, strings stay strings (a `keyPrefix` of "123" stays "123").
 */
const ENV_OPTIONS: Readonly<Record<string, Kind>> = {
  trustProxy: 'trustProxy',
  storeTimeoutMs: 'number',
  storeBootTimeoutMs: 'number',
  instances: 'number',
  fastLane: 'boolean',
  headers: 'booleanOrString',
  metrics: 'metrics',
  onStoreError: 'string',
  mode: 'string',
  key: 'string',
  keyPrefix: 'string',
};

/** `storeTimeoutMs` → `THROTTLE_STORE_TIMEOUT_MS`. */
export function envVariable(option: string): string {
  return `THROTTLE_${option.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/**
 * Reads the option variables that are set (`THROTTLE_TRUST_PROXY=1` → `trustProxy: 1`), converting only
 * where the option is a number or a boolean; a string that is neither is a problem naming the variable.
 */
export function envOptions(env: ThrottleEnv, problems: string[]): EnvValue[] {
  const values: EnvValue[] = [];
  for (const [option, kind] of Object.entries(ENV_OPTIONS)) {
    const variable = envVariable(option);
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = convert(raw, kind);
    if (value === undefined) problems.push(`${variable}=${JSON.stringify(raw)}: ${option} ${EXPECTED[kind]}`);
    else values.push({ option, variable, value });
  }
  return values;
}

const EXPECTED: Readonly<Record<Kind, string>> = {
  number: 'must be a whole number, e.g. 100',
  boolean: 'must be true or false',
  string: '',
  trustProxy: 'must be a hop count (e.g. 1) or a CIDR list (e.g. 10.0.0.0/8,::1)',
  booleanOrString: '',
  metrics: '',
};

function convert(raw: string, kind: Kind): unknown {
  switch (kind) {
    case 'number':
      return /^\d+$/.test(raw) ? Number(raw) : undefined;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'trustProxy':
      return /^\d+$/.test(raw) ? Number(raw) : list(raw);
    case 'booleanOrString':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'metrics': {
      if (raw === 'true' || raw === 'false') return raw === 'true';
      const kinds = list(raw);
      return kinds.length === 1 ? kinds[0] : kinds;
    }
    default:
      return raw;
  }
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Applies `THROTTLE_RATES`-style overrides, `scope=rate,scope=rate` (e.g. `hi=100/minute,login=5/15m`):
 * the rate changes; a scope's key, algorithm, burst and tiers stay; a scope not in `scopes` is added.
 * Returns the scopes each entry set, by name, with the entry (for error messages).
 */
export function applyRateOverrides(
  scopes: Record<string, string | ScopeOptions>,
  rates: string,
  variable: string,
  problems: string[],
): Map<string, string> {
  const entries = new Map<string, string>();
  for (const entry of list(rates)) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    const rate = entry.slice(eq + 1).trim();
    if (eq <= 0 || rate === '') {
      problems.push(`${variable} entry ${JSON.stringify(entry)}: expected scope=rate, e.g. hi=5/s`);
      continue;
    }
    const current = scopes[name];
    scopes[name] = current !== null && typeof current === 'object' ? { ...current, rate } : rate;
    entries.set(name, entry);
  }
  return entries;
}

/** The options a module option set from the environment replaces (a shallow copy). */
export function withEnvValues(options: ThrottleModuleOptions, values: readonly EnvValue[]): ThrottleModuleOptions {
  const result: Record<string, unknown> = { ...options };
  for (const { option, value } of values) result[option] = value;
  return result as unknown as ThrottleModuleOptions;
}
