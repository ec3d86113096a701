/**
 * The app the bench measures, built as a user builds it: apps/bench/skeleton (Nest 11 + Fastify, one
 * route) copied to a directory under the OS temp dir, every dependency pinned to the version this
 * repository has installed (so `npm install --prefer-offline` finds it in the npm cache), and
 * nest-scoped-throttle installed from the packed tarball (`npm pack` of libs/throttle, as the package
 * tests do), then compiled with tsc against the tarball's typings. The directory is reused while the
 * skeleton's sources are unchanged; the tarball is reinstalled when its bytes change.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packLibrary, run, TSC } from '../../../test/package/harness';

/** A built skeleton: where it is, and the entry each variant's server runs. */
export interface Skeleton {
  readonly dir: string;
  readonly main: string;
  /** `nest-scoped-throttle@<version>` and the tarball's sha256 (first 12 hex digits). */
  readonly library: string;
  /** Versions installed in the skeleton, by package (the peers' included). */
  readonly versions: Record<string, string>;
}

const ROOT = join(__dirname, '..', '..', '..', '..');
const SOURCE = join(ROOT, 'apps', 'bench', 'skeleton');
const CACHE = join(tmpdir(), 'nest-scoped-throttle-bench-skeleton');
const INSTALL_TIMEOUT_MS = 300_000;

function hashOf(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 12);
}

function versionIn(modules: string, name: string): string {
  return (JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The skeleton's package.json with every `*` pinned to the repository's installed version. */
function pinnedManifest(): string {
  const manifest = JSON.parse(readFileSync(join(SOURCE, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(manifest[field] ?? {})) manifest[field][name] = versionIn(join(ROOT, 'node_modules'), name);
  }
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Packs the library (the build must have run), installs and compiles the skeleton; logs each slow step. */
export async function buildSkeleton(log: (line: string) => void): Promise<Skeleton> {
  mkdirSync(CACHE, { recursive: true });
  const packDir = join(CACHE, `pack-${process.pid}`);
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir);
  try {
    const tarball = await packLibrary(packDir);
    const tarballHash = hashOf(readFileSync(tarball.path));
    const manifest = pinnedManifest();
    const sources = readdirSync(join(SOURCE, 'src')).sort();
    const skeletonHash = hashOf(
      manifest,
      readFileSync(join(SOURCE, 'tsconfig.json')),
      ...sources.map((f) => readFileSync(join(SOURCE, 'src', f))),
    );
    const dir = join(CACHE, `app-${skeletonHash}`);
    const stamp = join(dir, '.bench-stamp');
    const stamped = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '';
    if (stamped !== tarballHash) {
      const fresh = !existsSync(join(dir, 'node_modules'));
      if (fresh) rmSync(dir, { recursive: true, force: true });
      cpSync(join(SOURCE, 'src'), join(dir, 'src'), { recursive: true });
      cpSync(join(SOURCE, 'tsconfig.json'), join(dir, 'tsconfig.json'));
      writeFileSync(join(dir, 'package.json'), manifest);
      const local = join(dir, 'nest-scoped-throttle.tgz');
      cpSync(tarball.path, local);
      log(`skeleton: npm install --prefer-offline in ${dir} (${fresh ? 'fresh' : 'new tarball'})`);
      const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', '--no-save', local];
      await run('bench skeleton: npm install', 'npm', args, dir, INSTALL_TIMEOUT_MS);
      log('skeleton: tsc');
      rmSync(join(dir, 'dist'), { recursive: true, force: true });
      await run('bench skeleton: tsc', process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], dir, 180_000);
      writeFileSync(stamp, tarballHash);
    } else log(`skeleton: reusing ${dir} (same sources, same tarball)`);
    const modules = join(dir, 'node_modules');
    const names = [
      'nest-scoped-throttle',
      '@nestjs/core',
      '@nestjs/platform-fastify',
      'fastify',
      '@nestjs/throttler',
      '@nest-lab/throttler-storage-redis',
      'ioredis',
    ];
    const versions = Object.fromEntries(names.map((name) => [name, versionIn(modules, name)]));
    return {
      dir,
      main: join(dir, 'dist', 'main.js'),
      library: `nest-scoped-throttle@${versions['nest-scoped-throttle']} (tarball sha256 ${tarballHash})`,
      versions,
    };
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}
