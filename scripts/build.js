#!/usr/bin/env node
// Builds every app and the library into dist/ with one tsc pass, rewrites the `@app/throttle`
// path alias into relative requires, and gives each app its entry point at dist/apps/<app>/main.js
// (Nest's monorepo convention), so `node dist/apps/demo/main.js` runs as is.
'use strict';
const { existsSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(bin(cmd), args, { cwd: root, stdio: 'inherit' });

rmSync(join(root, 'dist'), { recursive: true, force: true });
try {
  run('tsc', ['-p', 'tsconfig.build.json']);
  run('tsc-alias', ['-p', 'tsconfig.build.json']);
} catch {
  console.error('build failed');
  process.exit(1);
}
for (const app of readdirSync(join(root, 'apps'))) {
  if (!existsSync(join(root, 'dist', 'apps', app, 'src', 'main.js'))) continue;
  writeFileSync(join(root, 'dist', 'apps', app, 'main.js'), "'use strict';\nrequire('./src/main');\n");
}
