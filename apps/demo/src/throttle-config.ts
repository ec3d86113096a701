import { loadThrottleConfig, ScopeOptions, throttleConfig, ThrottleModuleOptions } from 'nest-scoped-throttle';
import type { DemoEnv } from './demo-env';
import { loginKey } from './login.controller';
import { demoRedisOptions } from './redis-store-options';

/**
 * Scopes of routes added after `/hi` and `/?api_key`, used when the file does not name them, so older
 * config files keep working: `search` (GET /search, shadow mode), `burst` (GET /burst, GCRA), `plan`
 * (GET /plan and GET /report, tiers by the authenticated user's plan, counted per user) and `login`
 * (POST /login: failed attempts only, blocked 15 minutes after 5; keyed by (IP, username) in code) and `export`
 * (GET /export: at most 2 in flight per client, a concurrency limit; shed first under THROTTLE_SHED_ELU).
 */
const DEMO_DEFAULTS: Readonly<Record<string, ScopeOptions>> = {
  search: { rate: '30/minute', mode: 'shadow' },
  burst: { rate: '10/s', algorithm: 'gcra', burst: 3 },
  plan: { rate: '100/hour', key: 'user', tier: 'user:plan', tiers: { pro: '10000/hour', free: '20/hour' } },
  login: { rate: '5/15m', count: 'failures', blockFor: '15m' },
  export: { concurrency: 2, priority: 'low' },
};

/**
 * Reads the config file (THROTTLE_CONFIG) through the library's {@link throttleConfig}, with the demo's
 * default scopes and THROTTLE_RATES overrides; every problem names its file line or variable.
 *
 * @example
 * loadThrottleFile('apps/demo/config/throttle.yaml', 'hi=5/s').scopes.hi // '5/s'
 */
export function loadThrottleFile(path: string, rates: string | undefined): ThrottleModuleOptions {
  return withLoginKey(loadThrottleConfig(demoConfigSource(path, rates)));
}

/** The `login` scope's key, which a file cannot say: (IP, username) from the body (see {@link loginKey}). */
function withLoginKey(options: ThrottleModuleOptions): ThrottleModuleOptions {
  const login = options.scopes?.login;
  if (typeof login === 'object' && login !== null && login.key === undefined) options.scopes.login = { ...login, key: loginKey };
  return options;
}

function demoConfigSource(path: string, rates: string | undefined) {
  return { env: { THROTTLE_CONFIG: path, THROTTLE_RATES: rates }, defaults: { scopes: DEMO_DEFAULTS } };
}

/**
 * The factory of the module options for the demo (for `registerAs`): the file's options, then the store
 * chosen by the environment. Every process of every replica shares the store: `instances` is WORKERS ×
 * THROTTLE_INSTANCES, so while Redis is down each decides under its share of the limits (onStoreError=local).
 */
export function demoThrottleOptions(env: DemoEnv): () => ThrottleModuleOptions {
  const options: Partial<ThrottleModuleOptions> = {
    trustProxy: env.trustProxy,
    onStoreError: env.onStoreError,
    storeTimeoutMs: env.storeTimeoutMs,
    instances: env.workers * env.replicas,
    metrics: true,
  };
  if (env.shedElu !== undefined) options.shed = { eventLoopUtilization: env.shedElu };
  if (env.store === 'redis') options.redis = demoRedisOptions(env);
  const factory = throttleConfig({ ...demoConfigSource(env.configPath, env.rates), options });
  return () => withLoginKey(factory());
}
