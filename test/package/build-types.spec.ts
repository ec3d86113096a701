/**
 * The typings' finishing step (scripts/build-types.js): each .d.ts line that names an optional peer
 * gets a @ts-ignore, so the typings compile without the peer; nothing else changes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { markOptionalPeerTypes } = require('../../scripts/build-types') as { markOptionalPeerTypes: (dir: string) => number };

const IGNORE = '// @ts-ignore -- optional peer dependency: without it installed, these types are `any`';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'build-types-'));
  mkdirSync(join(dir, 'redis'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('markOptionalPeerTypes', () => {
  it('puts a @ts-ignore before each line naming ioredis, prom-client or fast-check, once', () => {
    const typings = [
      "import type { Cluster, Redis } from 'ioredis';",
      "import type { Registry } from 'prom-client';",
      "export declare function load(): typeof import('fast-check');",
      "declare module 'ioredis' {",
      '}',
      "import { Logger } from '@nestjs/common';",
      '',
    ].join('\n');
    writeFileSync(join(dir, 'redis', 'store.d.ts'), typings);
    writeFileSync(join(dir, 'plain.d.ts'), "export { a } from './a';\n");
    expect(markOptionalPeerTypes(dir)).toBe(1);
    expect(markOptionalPeerTypes(dir)).toBe(0);
    expect(readFileSync(join(dir, 'redis', 'store.d.ts'), 'utf8').split('\n')).toEqual([
      IGNORE,
      "import type { Cluster, Redis } from 'ioredis';",
      IGNORE,
      "import type { Registry } from 'prom-client';",
      IGNORE,
      "export declare function load(): typeof import('fast-check');",
      IGNORE,
      "declare module 'ioredis' {",
      '}',
      "import { Logger } from '@nestjs/common';",
      '',
    ]);
    expect(readFileSync(join(dir, 'plain.d.ts'), 'utf8')).toBe("export { a } from './a';\n");
  });
});
