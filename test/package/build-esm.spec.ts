/**
 * The ES-module build's finishing step (scripts/build-esm.js) on a small tree: what Node's ESM loader
 * and TypeScript's node16 resolution need from tsc's extensionless output.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { finishEsmBuild } = require('../../scripts/build-esm') as { finishEsmBuild: (dir: string) => void };

let dir: string;
const write = (path: string, text: string) => writeFileSync(join(dir, path), text);
const read = (path: string) => readFileSync(join(dir, path), 'utf8');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'build-esm-'));
  mkdirSync(join(dir, 'sub'));
  write('sub/index.js', 'export const a = 1;\n');
  write('b.js', 'export const b = 2;\n');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('finishEsmBuild', () => {
  it('gives relative specifiers their file or folder index, in .js and .d.ts alike', () => {
    write('index.js', "export { a } from './sub';\nexport * from './b';\nimport('./b');\n");
    write('index.d.ts', "export { a } from './sub';\nexport type B = typeof import('./b');\n");
    finishEsmBuild(dir);
    expect(read('index.js')).toBe("export { a } from './sub/index.js';\nexport * from './b.js';\nimport('./b.js');\n");
    expect(read('index.d.ts')).toBe("export { a } from './sub/index.js';\nexport type B = typeof import('./b.js');\n");
  });

  it("adds .js to deep imports into Nest's packages only", () => {
    write('index.js', "import { GUARDS_METADATA } from '@nestjs/common/constants';\nimport { LRUCache } from 'lru-cache';\n");
    finishEsmBuild(dir);
    expect(read('index.js')).toBe(
      "import { GUARDS_METADATA } from '@nestjs/common/constants.js';\nimport { LRUCache } from 'lru-cache';\n",
    );
  });

  it('gives a file that loads a peer with require() its own require, and marks the folder as ES modules', () => {
    write('peer.js', "export const load = () => require('ioredis');\n");
    finishEsmBuild(dir);
    expect(read('peer.js')).toMatch(
      /^import \{ createRequire as __createRequire \} from 'node:module';\nconst require = __createRequire\(import\.meta\.url\);\n/,
    );
    expect(read('b.js')).toBe('export const b = 2;\n');
    expect(JSON.parse(read('package.json'))).toEqual({ type: 'module' });
  });

  it('stops the build on a relative import that names nothing', () => {
    write('index.js', "export * from './missing';\n");
    expect(() => finishEsmBuild(dir)).toThrow(/imports \.\/missing, which is neither a file nor a folder with index\.js/);
  });
});
