// The library's ES-module build (libs/throttle/dist/esm), beside the CommonJS one in dist/. tsc emits it
// from the same source with `module: es2022`; this file then makes it valid for Node's ESM loader:
// - relative specifiers get their file (`./x` -> `./x.js`, `./dir` -> `./dir/index.js`), in .js and .d.ts
//   alike (TypeScript's node16 resolution reads the .d.ts files by the same rules);
// - deep imports into Nest's packages get `.js` (`@nestjs/common/constants` -> `.../constants.js`), which Nest 11
//   (no exports map) and Nest 12 (`./*.js`) both resolve;
// - a file that loads an optional peer with `require()` gets `require` from `createRequire(import.meta.url)`,
//   so the peer is still loaded lazily (a memory-only app loads no ioredis or prom-client);
// - dist/esm/package.json says `"type": "module"`.
'use strict';
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\2/g;
const REQUIRE_PROLOGUE =
  "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);\n";

/** Every .js and .d.ts file under `dir`. */
function emitted(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return emitted(path);
    return /\.(js|d\.ts)$/.test(name) ? [path] : [];
  });
}

/** The specifier Node's ESM loader resolves to the same file CommonJS would have found. */
function withExtension(file, specifier) {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    if (existsSync(`${target}.js`)) return `${specifier}.js`;
    if (existsSync(join(target, 'index.js'))) return `${specifier}/index.js`;
    throw new Error(`build-esm: ${file} imports ${specifier}, which is neither a file nor a folder with index.js`);
  }
  const nestDeep = /^@nestjs\/[^/]+\/.+/.test(specifier) && !/\.(js|json)$/.test(specifier);
  return nestDeep ? `${specifier}.js` : specifier;
}

/** Rewrites the ESM build in `esmDir` in place (see the file comment). */
function finishEsmBuild(esmDir) {
  for (const file of emitted(esmDir)) {
    const source = readFileSync(file, 'utf8');
    let out = source.replace(SPECIFIER, (_, head, quote, spec) => `${head}${quote}${withExtension(file, spec)}${quote}`);
    if (file.endsWith('.js') && /\brequire\(/.test(out)) out = REQUIRE_PROLOGUE + out;
    if (out !== source) writeFileSync(file, out);
  }
  writeFileSync(join(esmDir, 'package.json'), '{\n  "type": "module"\n}\n');
}

module.exports = { finishEsmBuild };
