/**
 * The package test's three server apps (Nest 11 + Express from CommonJS, Nest 12 + Fastify from an ES
 * module, Nest 12 + Express from CommonJS via require(esm)) on the other Node majors: `npm test` runs
 * them on the current Node (package.e2e-spec.ts); this file (`npm run test:package`, CI) starts each on
 * Node 22 and 24 and checks the limit, the 429 and that no optional peer is loaded.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { compileFixture, installFixture, packLibrary, startFixture } from './harness';
import { NodeMajor, nodeBinary } from './node-binaries';

const APPS = ['nest11-express-cjs', 'nest12-fastify-esm', 'nest12-express-cjs'] as const;
type AppName = (typeof APPS)[number];
const NODES: NodeMajor[] = [22, 24];
const SETUP_TIMEOUT_MS = 600_000;

let workDir: string;
const compiled = new Map<AppName, string>();
const nodes = new Map<NodeMajor, string>();
const failed = new Map<string, Error>();

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'nest-scoped-throttle-servers-'));
  const tarball = await packLibrary(workDir);
  const installs = APPS.map(async (name) => {
    try {
      const dir = await installFixture(name, workDir, tarball.path);
      await compileFixture(name, dir);
      compiled.set(name, dir);
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

/** The compiled app and the Node binary, or the error that stopped either. */
function setup(name: AppName, major: NodeMajor): { dir: string; node: string } {
  const dir = compiled.get(name);
  const node = nodes.get(major);
  if (!dir) throw failed.get(name) ?? new Error(`${name} was not installed`);
  if (!node) throw failed.get(`node ${major}`) ?? new Error(`Node ${major} was not fetched`);
  return { dir, node };
}

describe.each(APPS)('%s with the tarball installed', (name) => {
  it.each(NODES)(
    'on Node %i: boots without warnings, admits three GET /hi, refuses the fourth, loads no optional peer',
    async (major) => {
      const { dir, node } = setup(name, major);
      const app = await startFixture(name, dir, node);
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
          const res = await request(`${app.url}/hi`, { headers: { connection: 'close' } });
          await res.body.dump();
          statuses.push(res.statusCode);
        }
        expect(statuses).toEqual([200, 200, 200, 429]);
        const loaded = await request(`${app.url}/loaded`, { headers: { connection: 'close' } });
        expect(await loaded.body.json()).toEqual({ ioredis: false, promClient: false });
        expect(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()).toMatch(new RegExp(`^v${major}\\.`));
        expect(app.output()).not.toMatch(/Warning|WARN/);
      } finally {
        await app.stop();
      }
    },
    60_000,
  );
});
