import { normalizeOptions } from '../options/normalize-options';
import type { ThrottleModuleOptions } from '../options/throttle-options';
import type { ConfigFile } from './config-file';
import type { EnvValue } from './env-overrides';

/** Where each part of the assembled options came from, so that a problem names its file line or variable. */
export interface ConfigOrigins {
  readonly file?: ConfigFile;
  /** Keys of the file's top level (only these are located in the file). */
  readonly fileKeys: ReadonlySet<string>;
  /** Scopes the file names (by name). */
  readonly fileScopes: ReadonlySet<string>;
  /** Scope name → the rate-override entry that set its rate, e.g. `THROTTLE_RATES entry "hi=5/s"`. */
  readonly rateEntries: ReadonlyMap<string, string>;
  readonly envValues: readonly EnvValue[];
}

/**
 * Validates the options with the module's own rules (so nothing is checked twice, differently), one part
 * at a time, and prefixes each problem with where that part came from: `config/throttle.yaml:3:7: scope
 * "hi" rate "100/month": ...`, or `THROTTLE_RATES entry "hi=1 minutee": ...`, or `THROTTLE_MODE="x": ...`.
 */
export function locatedProblems(options: ThrottleModuleOptions, origins: ConfigOrigins): string[] {
  const { scopes, ...rest } = options;
  const base = normalizeOptions({ ...rest, scopes: {} }).problems;
  const problems: string[] = base.map((p) => `${topLevelOrigin(p, rest, origins)}${p}`);
  for (const [name, value] of Object.entries(scopes ?? {})) {
    const own = normalizeOptions({ ...rest, scopes: { [name]: value } }).problems.filter((p) => !base.includes(p));
    problems.push(...own.map((p) => `${scopeOrigin(name, value, p, origins)}${p}`));
  }
  return problems;
}

function scopeOrigin(name: string, value: unknown, problem: string, origins: ConfigOrigins): string {
  const entry = origins.rateEntries.get(name);
  if (entry !== undefined && problem.startsWith(`scope "${name}" rate `)) return `${entry}: `;
  const field = scopeField(problem);
  const inherited = field.length === 1 && (typeof value !== 'object' || value === null || !(field[0] in value));
  if (inherited && ['mode', 'key'].includes(field[0])) return optionOrigin(field[0], origins); // the module-wide default
  if (origins.file === undefined || !origins.fileScopes.has(name)) return '';
  return `${origins.file.at(['scopes', name, ...field], problem.startsWith('unknown '))}: `;
}

/** The field of a scope a problem is about: `scope "hi" rate ...` → rate, `... tier "pro" rate` → tiers.pro. */
function scopeField(problem: string): string[] {
  const tier = /^scope "[^"]*" tier "([^"]*)"/.exec(problem);
  if (tier !== null) return ['tiers', tier[1]];
  const field = /^scope "[^"]*" (\w+)/.exec(problem) ?? /^unknown key in scope "[^"]*": "([^"]*)"/.exec(problem);
  return field === null ? [] : [field[1]];
}

/** The option a top-level problem is about: the first option name it starts with or quotes. */
function topLevelOrigin(problem: string, options: object, origins: ConfigOrigins): string {
  const option = Object.keys(options).find((k) => problem.startsWith(k) || problem.includes(`"${k}"`));
  return option === undefined ? '' : optionOrigin(option, origins, problem.startsWith('unknown '));
}

function optionOrigin(option: string, origins: ConfigOrigins, atKey = false): string {
  const env = origins.envValues.find((v) => v.option === option);
  if (env !== undefined) return `${env.variable}: `;
  if (origins.file !== undefined && origins.fileKeys.has(option)) return `${origins.file.at([option], atKey)}: `;
  return '';
}
