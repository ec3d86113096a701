/**
 * Small readers for the deployment files under docker/, used by deploy-files.spec.ts: YAML with
 * every document checked for errors, the Dockerfile's instructions by stage, .dockerignore
 * matching, nginx directives, and what the demo's source declares (routes, scopes, imports).
 * No Docker engine or kubectl needed.
 */
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as YAML from 'yaml';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

/** A parsed YAML mapping; deployment files are checked field by field, so values stay loose. */
export type Obj = Record<string, any>;

export const rootPath = (rel: string): string => join(ROOT, rel);
export const readText = (rel: string): string => readFileSync(rootPath(rel), 'utf8');

/**
 * Every document of a YAML file, as plain JS; throws on any parse error or warning
 * (duplicate keys included), naming the file.
 *
 * @example
 * loadYamlDocs('docker/k8s/demo.yaml').map((d) => d.kind) // ['Deployment', 'Service']
 */
export function loadYamlDocs(rel: string): Obj[] {
  const docs = YAML.parseAllDocuments(readText(rel));
  const list = Array.isArray(docs) ? docs : [docs];
  const problems = list.flatMap((d) => [...d.errors, ...d.warnings]).map((e) => e.message);
  if (problems.length > 0) throw new Error(`${rel} is not clean YAML:\n${problems.join('\n')}`);
  return list.map((d) => d.toJS() as Obj).filter((d) => d !== null && d !== undefined);
}

/** Every file under a folder of the repository, as repository-relative paths. */
export function listFiles(relDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(ROOT, full));
    }
  };
  walk(rootPath(relDir));
  return out.sort();
}

// ---- Dockerfile --------------------------------------------------------------------------

/** One Dockerfile instruction: `keyword` upper-cased, `args` with continuations joined. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** Index of the stage (FROM) it belongs to; -1 before the first FROM. */
  readonly stage: number;
}

/** A build stage: its FROM arguments, name (`AS name`), and instructions. */
export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/**
 * Reads a Dockerfile into instructions and stages. Comments and parser directives are dropped,
 * `\` continuations joined; `${ARG}` in FROM is replaced by the global ARG's default.
 */
export function parseDockerfile(text: string): { instructions: Instruction[]; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    if (pending === '' && /^\s*#/.test(raw)) continue;
    if (pending !== '' && /^\s*#/.test(raw)) continue; // comment lines inside a continuation
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full !== '') logical.push(full);
  }
  const globalArgs = new Map<string, string>();
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/s.exec(line);
    if (!match) continue;
    const keyword = match[1].toUpperCase();
    const args = match[2].trim();
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value] = args.split('=', 2);
      globalArgs.set(name.trim(), (value ?? '').trim());
    }
    if (keyword === 'FROM') {
      const parts = args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const image = parts[0].replace(/\$\{?(\w+)\}?/g, (_, name: string) => globalArgs.get(name) ?? '');
      const asIndex = parts.findIndex((p) => p.toUpperCase() === 'AS');
      stages.push({ image, name: asIndex >= 0 ? parts[asIndex + 1] : undefined, instructions: [] });
    }
    const instruction = { keyword, args, stage: stages.length - 1 };
    instructions.push(instruction);
    if (stages.length > 0) stages[stages.length - 1].instructions.push(instruction);
  }
  return { instructions, stages };
}

/** A COPY/ADD: its flags (`--from=build` → from: 'build'), sources and destination. */
export interface CopySpec {
  readonly from: string | undefined;
  readonly sources: string[];
  readonly dest: string;
}

/** Reads COPY arguments in shell form or exec (JSON) form. */
export function parseCopy(args: string): CopySpec {
  let words: string[];
  const flags = args.match(/^(--\S+\s+)*/)?.[0] ?? '';
  const rest = args.slice(flags.length).trim();
  if (rest.startsWith('[')) words = JSON.parse(rest) as string[];
  else words = rest.split(/\s+/);
  const from = /--from=(\S+)/.exec(flags)?.[1];
  return { from, sources: words.slice(0, -1), dest: words[words.length - 1] };
}

/** The exec-form (JSON array) arguments of CMD, ENTRYPOINT or HEALTHCHECK ... CMD; undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  const json = args.slice(args.indexOf('['));
  if (!args.includes('[')) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  } catch {
    return undefined;
  }
}

// ---- .dockerignore -----------------------------------------------------------------------

/**
 * Whether a context path is excluded by .dockerignore rules (Docker's semantics, simplified:
 * `*` within one segment, `**` across segments, `!` re-includes, the last matching rule wins,
 * and a rule that matches a folder excludes everything inside it).
 */
export function isDockerIgnored(path: string, rules: string[]): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/+$/, '');
  const toRegex = (pattern: string): RegExp => {
    const p = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
    let re = '';
    for (let i = 0; i < p.length; i++) {
      const c = p[i];
      if (c === '*' && p[i + 1] === '*') {
        re += '.*';
        i++;
        if (p[i + 1] === '/') i++;
      } else if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    return new RegExp(`^${re}(/.*)?$`);
  };
  let ignored = false;
  for (const rule of rules) {
    const negate = rule.startsWith('!');
    const pattern = negate ? rule.slice(1) : rule;
    if (toRegex(pattern).test(clean)) ignored = !negate;
  }
  return ignored;
}

/** The rules of a .dockerignore file, comments and blank lines dropped. */
export function dockerIgnoreRules(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

// ---- nginx -------------------------------------------------------------------------------

/** nginx directives as [name, ...args], comments dropped; blocks open with `{` and close with `}`. */
export function nginxDirectives(text: string): string[][] {
  const body = text.replace(/#[^\n]*/g, '');
  const out: string[][] = [];
  for (const statement of body.split(/[;{}]/)) {
    const words = statement.trim().split(/\s+/).filter(Boolean);
    if (words.length > 0) out.push(words);
  }
  return out;
}

// ---- the demo's source -------------------------------------------------------------------

const DEMO_SRC = 'apps/demo/src';

/** The demo's TypeScript sources (no specs), with their text; a clear error if the folder is missing. */
export function demoSources(): { file: string; text: string }[] {
  if (!existsSync(rootPath(DEMO_SRC))) {
    throw new Error(`${DEMO_SRC} does not exist: the demo app (controllers with GET /health) has not been written yet`);
  }
  return listFiles(DEMO_SRC)
    .filter((f) => f.endsWith('.ts') && !/\.(spec|e2e-spec)\.ts$/.test(f))
    .map((file) => ({ file, text: readText(file) }));
}

/**
 * The paths the demo's controllers route, from `@Controller('prefix')` and `@Get('path')`
 * (a Get without a path is the prefix itself). One controller per file is assumed, as in the demo.
 *
 * @example
 * demoGetRoutes() // Set { '/hi', '/', '/health', '/metrics' }
 */
export function demoGetRoutes(): Set<string> {
  const routes = new Set<string>();
  const str = `\\s*(?:['"\`]([^'"\`]*)['"\`])?\\s*`;
  for (const { text } of demoSources()) {
    const prefix = new RegExp(`@Controller\\(${str}\\)`).exec(text)?.[1] ?? '';
    for (const m of text.matchAll(new RegExp(`@Get\\(${str}\\)`, 'g'))) {
      const path = [prefix, m[1] ?? '']
        .map((p) => p.replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/');
      routes.add(`/${path}`);
    }
  }
  return routes;
}

/** Every scope name given to `@ThrottleScope(...)` in the demo's source. */
export function demoScopeNames(): Set<string> {
  const names = new Set<string>();
  for (const { text } of demoSources()) {
    for (const m of text.matchAll(/@ThrottleScope\(([^)]*)\)/g)) {
      for (const s of m[1].matchAll(/['"`]([^'"`]+)['"`]/g)) names.add(s[1]);
    }
  }
  return names;
}

/**
 * The npm packages a set of sources load at run time: `import ... from 'pkg'` and
 * `require('pkg')`, minus `import type`, relative paths, `@app/*` aliases and Node built-ins.
 */
export function runtimePackages(sources: { text: string }[]): Set<string> {
  const builtins = new Set(builtinModules);
  const out = new Set<string>();
  for (const { text } of sources) {
    const specs = [
      ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]),
      ...[...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]),
      ...[...text.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]),
    ];
    for (const spec of specs) {
      if (spec.startsWith('.') || spec.startsWith('@app/') || spec.startsWith('node:')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!builtins.has(name)) out.add(name);
    }
  }
  return out;
}
