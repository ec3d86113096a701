import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// `npm test` runs every spec jest finds; the per-suite scripts (test:unit, test:e2e, …) must between them
// run every one too, so a new folder of specs cannot fall outside them unnoticed.

const root = join(__dirname, '..', '..');
const scripts: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jestConfig: { testRegex: string; testPathIgnorePatterns: string[] } = require(join(root, 'jest.config.js'));

/** Every spec `npm test` runs: the files under libs/, apps/ and test/ that jest's config selects. */
function specs(dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (jestConfig.testPathIgnorePatterns.some((pattern) => new RegExp(pattern).test(`${path}/`))) return [];
    if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : specs(path);
    return new RegExp(jestConfig.testRegex).test(path) ? [relative(root, path)] : [];
  });
}

interface Suite {
  readonly folders: string[];
  readonly regex?: RegExp;
}

/** The folders (and test regex) a script's `jest` command runs. */
function suiteOf(script: string): Suite {
  const args = script.slice(script.indexOf('jest ') + 5).split(/\s+/);
  const folders: string[] = [];
  let regex: RegExp | undefined;
  for (let i = 0; i < args.length; i++) {
    const unquoted = (value: string) => value.replace(/^'|'$/g, '');
    if (args[i] === '--roots') folders.push(unquoted(args[++i]).replace('<rootDir>/', ''));
    else if (args[i] === '--testRegex') regex = new RegExp(unquoted(args[++i]).replace(/\\\\/g, '\\'));
    else if (!args[i].startsWith('-') && args[i] !== '') folders.push(args[i]);
  }
  return { folders, regex };
}

const suites = new Map<string, Suite>(
  Object.entries(scripts)
    .filter(([name, script]) => name.startsWith('test:') && script.includes('jest '))
    .map(([name, script]) => [name, suiteOf(script)]),
);
suites.set('test:model', { folders: ['test/model'] });

const runs = (suite: Suite, file: string) =>
  suite.folders.some((folder) => file.startsWith(`${folder}/`)) && (suite.regex === undefined || suite.regex.test(file));

it('reads the suites the way jest runs them', () => {
  expect(suites.get('test:unit')).toEqual({ folders: ['libs', 'apps'], regex: undefined });
  expect(readFileSync(join(root, 'scripts', 'test-model.js'), 'utf8')).toContain("'test/model'");
  expect(runs(suites.get('test:package')!, 'test/package/package.e2e-spec.ts')).toBe(true);
  expect(runs(suites.get('test:package')!, 'test/package/fixtures/x.ts')).toBe(false);
});

it('runs every spec of npm test in at least one per-suite script', () => {
  const all = specs();
  expect(all.length).toBeGreaterThan(100);
  expect(all.filter((file) => ![...suites.values()].some((suite) => runs(suite, file)))).toEqual([]);
});

it('keeps npm test running every suite, after a build', () => {
  expect(scripts.test).toBe('npm run build && jest --runInBand --forceExit');
});
