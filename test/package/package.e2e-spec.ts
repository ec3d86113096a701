/**
 * The package from the outside: packs libs/throttle as npm would publish it, checks what the tarball
 * holds, then installs it into three throwaway apps outside the repository (Nest 11 + Express from
 * CommonJS, Nest 12 + Fastify from an ES module, Nest 12 + Express from CommonJS via require(esm)),
 * compiles and starts each, and talks HTTP to it over loopback. Run alone with `npm run test:package`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { compileFixture, installFixture, packLibrary, run, RunningApp, startFixture, Tarball, TSC } from './harness';
import { ONE_COPY, requireAndImport } from './one-copy';

const APPS = ['nest11-express-cjs', 'nest12-fastify-esm', 'nest12-express-cjs'] as const;
type AppName = (typeof APPS)[number];

/** The three npm installs dominate: 15-30 s each here with a warm cache (disk-bound), about a minute cold. */
const SETUP_TIMEOUT_MS = 360_000;

let workDir: string;
let tarball: Tarball;
const installed = new Map<AppName, string>();
const running = new Map<AppName, RunningApp>();
const failed = new Map<AppName, Error>();

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'nest-scoped-throttle-package-'));
  tarball = await packLibrary(workDir);
  await Promise.all(
    APPS.map(async (name) => {
      try {
        const dir = await installFixture(name, workDir, tarball.path);
        installed.set(name, dir);
        await compileFixture(name, dir);
        running.set(name, await startFixture(name, dir));
      } catch (error) {
        failed.set(name, error as Error);
      }
    }),
  );
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([...running.values()].map((app) => app.stop()));
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 30_000);

describe('the packed tarball', () => {
  const SHIPPED = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/esm\/package\.json|dist\/.+\.d\.ts|dist\/.+\.js)$/;

  it('holds package.json, LICENSE, the changelog and both builds (CommonJS, ES modules) with their typings, and nothing else', () => {
    expect(tarball.files.filter((file) => !SHIPPED.test(file))).toEqual([]);
    expect(tarball.files.filter((file) => /\.(spec|e2e-spec)\.|tsconfig|\.map$/.test(file))).toEqual([]);
    expect(tarball.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/testing/index.js',
        'dist/testing/index.d.ts',
        'CHANGELOG.md',
        'dist/esm/package.json',
        'dist/esm/index.js',
        'dist/esm/index.d.ts',
        'dist/esm/testing/index.js',
        'dist/esm/testing/index.d.ts',
      ]),
    );
  });

  it('ships typings for every JS file', () => {
    const js = tarball.files.filter((file) => file.endsWith('.js'));
    expect(js.filter((file) => !tarball.files.includes(file.replace(/\.js$/, '.d.ts')))).toEqual([]);
  });

  it('ships a README for the npm page', () => {
    expect(tarball.files).toContain('README.md');
  });
});

describe('typings that stand alone (nest11-express-cjs: no optional peer installed)', () => {
  it('compiles every public name of both entries with skipLibCheck: false (tsconfig.types.json)', async () => {
    const dir = installed.get('nest11-express-cjs');
    if (!dir) throw failed.get('nest11-express-cjs') ?? new Error('nest11-express-cjs was not installed');
    const peers = ['ioredis', 'prom-client', 'fast-check', 'yaml', '@opentelemetry/api'].filter((peer) =>
      existsSync(join(dir, 'node_modules', peer)),
    );
    expect(peers).toEqual([]);
    await run('nest11-express-cjs: tsc -p tsconfig.types.json', process.execPath, [TSC, '-p', 'tsconfig.types.json'], dir, 120_000);
  }, 120_000);
});

describe.each(APPS)('%s with the tarball installed', (name) => {
  /** The running app; if it failed to install, compile or boot, says so (the first test shows why). */
  const app = (): RunningApp => {
    const found = running.get(name);
    if (!found) throw new Error(`${name} is not running: see "${name} with the tarball installed › installs, compiles and boots"`);
    return found;
  };

  it('installs, compiles and boots', () => {
    const error = failed.get(name);
    if (error) throw error;
    expect(running.get(name)?.pid).toBeGreaterThan(0);
  });

  it('boots without Node or Nest warnings (e.g. no ExperimentalWarning for require(esm))', () => {
    expect(app().output()).not.toMatch(/Warning|WARN/);
  });

  it('admits three GET /hi, refuses the fourth with 429, and sends the rate-limit headers on each', async () => {
    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await get(`${app().url}/hi`));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    responses.slice(0, 3).forEach((r, i) => {
      expect(r.body).toEqual({ msg: 'Hello Hello!' });
      expectRateLimitHeaders(r.headers, 2 - i);
    });
    const refused = responses[3];
    const resetSeconds = expectRateLimitHeaders(refused.headers, 0);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(retryAfter).toBeGreaterThanOrEqual(Math.max(1, resetSeconds));
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Request was throttled. Expected available in ${retryAfter} ${retryAfter === 1 ? 'second' : 'seconds'}.`,
      scope: 'hi',
      retryAfter,
    });
  });

  it('decides a GCRA scope and a route cost: @ThrottleCost(2) with burst 5 admits two requests', async () => {
    const responses = [];
    for (let i = 0; i < 3; i++) responses.push(await get(`${app().url}/report`));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(responses.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['3', '1', '1']);
    expect(responses[2].headers['retry-after']).toBe('6'); // one more unit in 6 s (10/minute)
  });

  it('gives require() and import() the same classes (one copy: module-sync resolves both to dist/esm)', async () => {
    const dir = installed.get(name);
    if (!dir) throw new Error(`${name} was not installed`);
    expect(await requireAndImport(dir)).toEqual(ONE_COPY);
  });

  it('sends no rate-limit headers on a @SkipThrottle() route', async () => {
    const health = await get(`${app().url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect(Object.keys(health.headers).filter((header) => /ratelimit|retry-after/.test(header))).toEqual([]);
  });

  it('loads neither ioredis nor prom-client with the memory store', async () => {
    const loaded = await get(`${app().url}/loaded`);
    expect(loaded.status).toBe(200);
    expect(loaded.body).toEqual({ ioredis: false, promClient: false });
  });
});

interface Response {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** GET over loopback; the body parsed as JSON when the response says it is JSON. */
async function get(url: string): Promise<Response> {
  const res = await request(url, { headers: { connection: 'close' } });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  const text = await res.body.text();
  const body: unknown = /json/.test(headers['content-type'] ?? '') ? JSON.parse(text) : text;
  return { status: res.statusCode, headers, body };
}

/**
 * The HTTP contract's headers for scope `hi` at 3/minute with `remaining` left; returns the seconds
 * until more quota (`t`, equal to X-RateLimit-Reset).
 */
function expectRateLimitHeaders(headers: Record<string, string>, remaining: number): number {
  expect(headers['ratelimit-policy']).toBe('"hi";q=3;w=60');
  expect(headers['ratelimit']).toMatch(new RegExp(`^"hi";r=${remaining};t=\\d+$`));
  const t = Number(/;t=(\d+)$/.exec(headers['ratelimit'])![1]);
  // Quota comes back at most one window after the oldest admission, so t never exceeds w.
  expect(t).toBeGreaterThanOrEqual(1);
  expect(t).toBeLessThanOrEqual(60);
  expect(headers['x-ratelimit-limit']).toBe('3');
  expect(headers['x-ratelimit-remaining']).toBe(String(remaining));
  expect(headers['x-ratelimit-reset']).toBe(String(t));
  return t;
}
