/**
 * The package matrix (`npm run test:package`, and CI): the packed tarball in every way a Nest 11 or 12
 * app is built and tested, each app's own e2e spec (fake clock, supertest) run by its own test runner
 * on Node 20, 22 and 24. The apps are what `nest new` scaffolds: Nest 12's ES-module app on Vitest
 * (with TypeScript 6 and `oxlint --type-aware`), Nest 12's CommonJS app on jest, a Nest 12 ES-module
 * app on jest in ESM mode, and Nest 11's CommonJS app on jest.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { installFixture, packLibrary, run } from './harness';
import { NodeMajor, nodeBinary } from './node-binaries';
import { ONE_COPY, requireAndImport } from './one-copy';

const APPS = ['nest12-vitest-esm', 'nest12-jest-cjs', 'nest12-jest-esm', 'nest11-jest-cjs'] as const;
type AppName = (typeof APPS)[number];
const NODES: NodeMajor[] = [20, 22, 24];

/** Four npm installs and three Node downloads (cached in the temp dir after the first run). */
const SETUP_TIMEOUT_MS = 600_000;
const STEP_TIMEOUT_MS = 180_000;

let workDir: string;
const installed = new Map<AppName, string>();
const nodes = new Map<NodeMajor, string>();
const failed = new Map<string, Error>();

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'nest-scoped-throttle-matrix-'));
  const tarball = await packLibrary(workDir);
  const installs = APPS.map(async (name) => {
    try {
      installed.set(name, await installFixture(name, workDir, tarball.path));
    } catch (error) {
      failed.set(name, error as Error);
    }
  });
  const downloads = NODES.map(async (major) => {
    try {
      nodes.set(major, await nodeBinary(major));
    } catch (error) {
      failed.set(`node ${major}`, error as Error);
    }
  });
  await Promise.all([...installs, ...downloads]);
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The installed app, or the error that stopped its install. */
function app(name: AppName): string {
  const dir = installed.get(name);
  if (!dir) throw failed.get(name) ?? new Error(`${name} was not installed`);
  return dir;
}

/** The directory of Node `major`'s binary (put first on PATH), or the error that stopped its download. */
function nodeDir(major: NodeMajor): string {
  const binary = nodes.get(major);
  if (!binary) throw failed.get(`node ${major}`) ?? new Error(`Node ${major} was not fetched`);
  return dirname(binary);
}

/**
 * Nest 12's CommonJS scaffold runs jest on Nest's ES modules through jest's `require(esm)`, which jest 30
 * supports on Node 24.9+ only: before that the scaffold's own spec fails on `@nestjs/testing`, with or
 * without this library. Those cells check that the failure is Nest's, never ours.
 */
const NEST_ONLY_FAILURE: Partial<Record<AppName, NodeMajor[]>> = { 'nest12-jest-cjs': [20, 22] };

describe.each(APPS)('%s with the tarball installed', (name) => {
  it(
    'type-checks against the package typings (the app tsconfig, tsc --noEmit)',
    async () => {
      await run(`${name}: npm run typecheck`, 'npm', ['run', 'typecheck'], app(name), STEP_TIMEOUT_MS);
    },
    STEP_TIMEOUT_MS,
  );

  const passing = NODES.filter((major) => !NEST_ONLY_FAILURE[name]?.includes(major));
  it.each(passing)(
    'passes its e2e spec on Node %i (npm run test:e2e)',
    async (major) => {
      const dir = app(name);
      const { stdout } = await run(`${name}: node --version`, 'node', ['--version'], dir, 30_000, nodeDir(major));
      expect(stdout.trim()).toMatch(new RegExp(`^v${major}\\.`));
      const result = await run(
        `${name} on Node ${major}: npm run test:e2e`,
        'npm',
        ['run', 'test:e2e'],
        dir,
        STEP_TIMEOUT_MS,
        nodeDir(major),
      );
      expect(`${result.stdout}\n${result.stderr}`).toMatch(/2 passed/);
    },
    STEP_TIMEOUT_MS,
  );

  const nestOnly = NEST_ONLY_FAILURE[name] ?? [];
  if (nestOnly.length > 0)
    it.each(nestOnly)(
      "on Node %i, fails only in Nest's own ES modules (jest's require(esm) needs Node 24.9+)",
      async (major) => {
        const failure = await run(`${name} on Node ${major}`, 'npm', ['run', 'test:e2e'], app(name), STEP_TIMEOUT_MS, nodeDir(major)).then(
          () => new Error('passed'),
          (error: Error) => error,
        );
        expect(failure.message).toMatch(/Must use import to load ES Module: \S+\/node_modules\/@nestjs\/testing\//);
        expect(failure.message).not.toMatch(/node_modules\/nest-scoped-throttle\//);
      },
      STEP_TIMEOUT_MS,
    );
});

describe.each(['nest11-jest-cjs', 'nest12-jest-esm'] as const)('%s: one copy of the package', (name) => {
  it.each(NODES)('require() and import() give the same classes on Node %i', async (major) => {
    expect(await requireAndImport(app(name), nodeDir(major))).toEqual(ONE_COPY);
  });
});

describe('nest12-vitest-esm, the nest new scaffold', () => {
  it(
    'compiles every public name with TypeScript 6, skipLibCheck: false and no optional peer installed',
    async () => {
      const dir = app('nest12-vitest-esm');
      const peers = ['ioredis', 'prom-client', 'fast-check', 'yaml', '@opentelemetry/api'].filter((peer) =>
        existsSync(join(dir, 'node_modules', peer)),
      );
      expect(peers).toEqual([]);
      const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
      await run(
        'nest12-vitest-esm: tsc -p tsconfig.types.json',
        process.execPath,
        [tsc, '-p', 'tsconfig.types.json'],
        dir,
        STEP_TIMEOUT_MS,
      );
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'passes oxlint --type-aware (npm run lint)',
    async () => {
      await run('nest12-vitest-esm: npm run lint', 'npm', ['run', 'lint'], app('nest12-vitest-esm'), STEP_TIMEOUT_MS);
    },
    STEP_TIMEOUT_MS,
  );
});
