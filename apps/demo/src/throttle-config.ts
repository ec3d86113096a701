import { loginKey } from './login.controller';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ScopeOptions, ThrottleModuleOptions } from 'nest-scoped-throttle';
import type { DemoEnv } from './demo-env';
import { demoRedisOptions } from './redis-store-options';

/** The throttle config file: `scopes` (name → rate or { rate, key }) and an optional default `key`. */
export interface ThrottleFile {
  scopes: Record<string, string | ScopeOptions>;
  key?: ThrottleModuleOptions['key'];
}

/** Thrown when the config file or THROTTLE_RATES cannot be used; names the file or variable. */
export class ThrottleFileError extends Error {
  override readonly name = 'ThrottleFileError';
}

const FILE_FIELDS = ['scopes', 'key'];

/**
 * Scopes of routes added after `/hi` and `/?api_key`, used when the file does not name them, so older
 * config files keep working: `search` (GET /search, shadow mode), `burst` (GET /burst, GCRA), `plan`
 * (GET /plan and GET /report, tiers by the authenticated user's plan, counted per user) and `login`
 * (POST /login: failed attempts only, blocked 15 minutes after 5; keyed by (IP, username) in code).
 */
const DEMO_DEFAULTS: Readonly<Record<string, ScopeOptions>> = {
  search: { rate: '30/minute', mode: 'shadow' },
  burst: { rate: '10/s', algorithm: 'gcra', burst: 3 },
  plan: { rate: '100/hour', key: 'user', tier: 'user:plan', tiers: { pro: '10000/hour', free: '20/hour' } },
  login: { rate: '5/15m', count: 'failures', blockFor: '15m' },
};

/**
 * Reads the YAML config file (THROTTLE_CONFIG) and applies THROTTLE_RATES overrides. Rates are
 * validated by the module at boot, with the rest of the throttle config.
 *
 * @example
 * loadThrottleFile('apps/demo/config/throttle.yaml', 'hi=5/s')
 * // { scopes: { hi: '5/s', api_key: { rate: '1/s', key: 'query:api_key' } } }
 */
export function loadThrottleFile(path: string, rates: string | undefined): ThrottleFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ThrottleFileError(`Cannot read throttle config ${path} (THROTTLE_CONFIG): ${(error as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new ThrottleFileError(`Throttle config ${path} is not valid YAML: ${(error as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ThrottleFileError(`Throttle config ${path}: expected a mapping with "scopes:", e.g. "scopes: { hi: 60/minute }"`);
  }
  const unknown = Object.keys(doc).filter((k) => !FILE_FIELDS.includes(k));
  if (unknown.length > 0) {
    throw new ThrottleFileError(`Throttle config ${path}: unknown field(s) ${unknown.join(', ')} (expected ${FILE_FIELDS.join(', ')})`);
  }
  const file = doc as Partial<ThrottleFile>;
  const scopes = file.scopes ?? {};
  if (scopes === null || typeof scopes !== 'object' || Array.isArray(scopes)) {
    throw new ThrottleFileError(`Throttle config ${path}: "scopes" must be a mapping of scope names to rates`);
  }
  const withDemoDefaults = { ...scopes };
  for (const [name, scope] of Object.entries(DEMO_DEFAULTS)) withDemoDefaults[name] = scopes[name] ?? structuredClone(scope);
  return { scopes: applyRateOverrides(withDemoDefaults, rates), ...(file.key !== undefined ? { key: file.key } : {}) };
}

/** Applies `name=rate,name=rate` overrides: the rate changes; the scope's key, algorithm, burst and tiers stay. */
export function applyRateOverrides(
  scopes: Record<string, string | ScopeOptions>,
  rates: string | undefined,
): Record<string, string | ScopeOptions> {
  if (rates === undefined) return scopes;
  for (const entry of rates
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    const rate = entry.slice(eq + 1).trim();
    if (eq <= 0 || rate === '') {
      throw new ThrottleFileError(`THROTTLE_RATES entry ${JSON.stringify(entry)}: expected scope=rate, e.g. hi=5/s`);
    }
    const current = scopes[name];
    scopes[name] = current !== null && typeof current === 'object' ? { ...current, rate } : rate;
  }
  return scopes;
}

/**
 * The module options for the demo: the file's scopes plus the store chosen by the environment. Every
 * process of every replica shares the store: `instances` is WORKERS × THROTTLE_INSTANCES, so while Redis
 * is down each decides under its share of the limits (onStoreError=local).
 */
export function demoThrottleOptions(env: DemoEnv): ThrottleModuleOptions {
  const file = loadThrottleFile(env.configPath, env.rates);
  const login = file.scopes.login;
  // A key the YAML cannot say: (IP, username) from the body (see loginKey).
  if (typeof login === 'object' && login !== null && login.key === undefined) file.scopes.login = { ...login, key: loginKey };
  const options: ThrottleModuleOptions = {
    ...file,
    trustProxy: env.trustProxy,
    onStoreError: env.onStoreError,
    storeTimeoutMs: env.storeTimeoutMs,
    instances: env.workers * env.replicas,
    metrics: true,
  };
  if (env.store === 'redis') {
    options.redis = demoRedisOptions(env);
  }
  return options;
}
