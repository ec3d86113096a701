import { ThrottleConfigError } from '../options/grammar/config-error';
import type { ScopeOptions, ThrottleModuleOptions } from '../options/throttle-options';
import { ConfigFile, readConfigFile } from './config-file';
import { applyRateOverrides, envOptions, ThrottleEnv, withEnvValues } from './env-overrides';
import { locatedProblems } from './located-problems';

/** Options of {@link throttleConfig}. */
export interface ThrottleConfigOptions {
  /** The YAML (`.yaml`, `.yml`, needs the `yaml` package) or JSON (`.json`) file of module options; `THROTTLE_CONFIG` overrides it. */
  file?: string;
  /** Options where the file says nothing; `scopes` merge by name (the file's scopes win, and come first). */
  defaults?: Partial<ThrottleModuleOptions>;
  /** Options over the file's (`scopes` merge by name), typically what a file cannot hold (`storage`, `skipIf`, `onThrottled`, a metrics `registry`). */
  options?: Partial<ThrottleModuleOptions>;
  /** Where the variables are read. Default `process.env`. */
  env?: ThrottleEnv;
}

/**
 * A config factory for the module's options, `@nestjs/config`'s `registerAs` compatible: reads the
 * file (`THROTTLE_CONFIG`, else `file`), then applies the environment, which wins:
 * `THROTTLE_RATES=hi=100/minute,login=5/15m` sets rates (a scope's key, algorithm and tiers stay), and
 * `THROTTLE_<OPTION>` sets a top-level option (`THROTTLE_TRUST_PROXY=1`, `THROTTLE_STORE_TIMEOUT_MS=250`,
 * `THROTTLE_FAST_LANE=false`), converted only where the option is a number or a boolean. Every problem,
 * with its file, line and column or its variable, is thrown at once as a {@link ThrottleConfigError}.
 *
 * @example
 * ThrottleModule.forRootAsync({ useFactory: throttleConfig({ file: 'config/throttle.yaml' }) })
 *
 * @example
 * ConfigModule.forRoot({ load: [registerAs('throttle', throttleConfig({ file: 'config/throttle.yaml' }))] }),
 * ThrottleModule.forRootAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => c.getOrThrow('throttle') })
 */
export function throttleConfig(config: ThrottleConfigOptions = {}): () => ThrottleModuleOptions {
  return () => loadThrottleConfig(config);
}

/** What {@link throttleConfig}'s factory returns, read now. */
export function loadThrottleConfig(config: ThrottleConfigOptions = {}): ThrottleModuleOptions {
  const env = config.env ?? process.env;
  const fromEnv = env.THROTTLE_CONFIG?.trim() || undefined;
  const path = fromEnv ?? config.file;
  const file = path === undefined ? undefined : readConfigFile(path, fromEnv ? 'THROTTLE_CONFIG' : 'the file option');
  const data = file === undefined ? {} : fileOptions(file);
  const problems: string[] = [];
  if (data.scopes !== undefined && data.scopes !== null && !isObject(data.scopes))
    problems.push(`${file!.at(['scopes'])}: "scopes" must map scope names to rates, e.g. "scopes: { hi: 60/minute }"`);
  const scopes: Record<string, string | ScopeOptions> = { ...(isObject(data.scopes) ? data.scopes : {}), ...config.options?.scopes };
  for (const [name, scope] of Object.entries(config.defaults?.scopes ?? {})) scopes[name] ??= copy(scope);
  const rates = env.THROTTLE_RATES?.trim();
  const rateEntries = rates ? applyRateOverrides(scopes, rates, 'THROTTLE_RATES', problems) : new Map<string, string>();
  const envValues = envOptions(env, problems);
  const options = withEnvValues({ ...config.defaults, ...data, ...config.options, scopes } as ThrottleModuleOptions, envValues);
  problems.push(
    ...locatedProblems(options, {
      file,
      fileKeys: new Set(Object.keys(data)),
      fileScopes: new Set(isObject(data.scopes) ? Object.keys(data.scopes) : []),
      rateEntries: new Map([...rateEntries].map(([name, entry]) => [name, `THROTTLE_RATES entry ${JSON.stringify(entry)}`])),
      envValues,
    }),
  );
  if (problems.length > 0) throw new ThrottleConfigError(problems);
  return options;
}

function fileOptions(file: ConfigFile): Record<string, any> {
  if (file.data === null || file.data === undefined) return {};
  if (isObject(file.data)) return file.data;
  throw new ThrottleConfigError([`${file.at([])}: expected a mapping of module options, e.g. "scopes: { hi: 60/minute }"`]);
}

/** A deep copy of plain data (objects, arrays); functions and class instances are kept as they are. */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (isObject(value) && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
  return value;
}

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
