import { readFileSync } from 'node:fs';
import type { Document, LineCounter } from 'yaml';

/** A parsed config file: its data, and where a value sits in it (`file:line:col`) for error messages. */
export interface ConfigFile {
  readonly path: string;
  readonly data: unknown;
  /** `path:line:col` of the value at `keys` (its key when `atKey`), or of the deepest parent found, e.g. `config/throttle.yaml:3:7`. */
  at(keys: readonly string[], atKey?: boolean): string;
}

/** Thrown when a config file cannot be read or parsed; the message names the file, line and column. */
export class ThrottleConfigFileError extends Error {
  override readonly name = 'ThrottleConfigFileError';
}

/**
 * Reads a YAML (`.yaml`, `.yml`) or JSON (`.json`) config file. YAML needs the `yaml` package (an optional
 * peer, loaded here only); JSON needs nothing. `source` says where the path came from, for the error.
 *
 * @example
 * readConfigFile('config/throttle.yaml', 'the file option').data // { scopes: { hi: '60/minute' } }
 */
export function readConfigFile(path: string, source: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ThrottleConfigFileError(`Cannot read throttle config ${path} (${source}): ${(error as Error).message}`);
  }
  return /\.json$/i.test(path) ? jsonFile(path, text) : yamlFile(path, text);
}

function yamlFile(path: string, text: string): ConfigFile {
  const yaml = loadYaml();
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e.linePos ? `:${e.linePos[0].line}:${e.linePos[0].col}` : '';
    throw new ThrottleConfigFileError(`Throttle config ${path}${where}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  return { path, data: doc.toJS(), at: (keys, atKey) => `${path}:${yamlPosition(doc, lineCounter, keys, atKey)}` };
}

function yamlPosition(doc: Document, lines: LineCounter, keys: readonly string[], atKey = false): string {
  for (let n = keys.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : atKey && n === keys.length ? yamlKey(doc, keys) : doc.getIn(keys.slice(0, n), true);
    const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
    if (offset !== undefined) {
      const { line, col } = lines.linePos(offset);
      return `${line}:${col}`;
    }
  }
  return '1:1';
}

/** The key node of the entry at `keys` (its parent's pair whose key is the last of `keys`). */
function yamlKey(doc: Document, keys: readonly string[]): unknown {
  const parent = keys.length === 1 ? doc.contents : doc.getIn(keys.slice(0, -1), true);
  const items = (parent as { items?: { key: { value?: unknown } | null }[] } | null)?.items ?? [];
  return items.find((pair) => pair.key?.value === keys[keys.length - 1])?.key;
}

function jsonFile(path: string, text: string): ConfigFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message);
    const where = position ? `:${lineCol(text, Number(position[1]))}` : '';
    throw new ThrottleConfigFileError(`Throttle config ${path}${where}: not valid JSON: ${(error as Error).message}`);
  }
  return { path, data, at: (keys, atKey) => `${path}:${lineCol(text, jsonOffset(text, keys, atKey))}` };
}

/** Where the value at `keys` starts: each key is searched (as `"key":`) after the previous one (good enough for config files). */
function jsonOffset(text: string, keys: readonly string[], atKey = false): number {
  let offset = 0;
  for (const [i, key] of keys.entries()) {
    const match = new RegExp(`${escape(JSON.stringify(key))}\\s*:\\s*`, 'g');
    match.lastIndex = offset;
    const found = match.exec(text);
    if (found === null) break;
    offset = atKey && i === keys.length - 1 ? found.index : found.index + found[0].length;
  }
  return offset;
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The `yaml` package, loaded when a YAML file is read (it is an optional peer dependency). */
function loadYaml(): typeof import('yaml') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('yaml') as typeof import('yaml');
  } catch (error) {
    const why = (error as { code?: string }).code === 'MODULE_NOT_FOUND' ? 'it is not installed' : (error as Error).message;
    throw new ThrottleConfigFileError(
      `Reading a YAML throttle config needs the yaml package, but ${why}: npm install yaml (or use a .json file)`,
      {
        cause: error,
      },
    );
  }
}
