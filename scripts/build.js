#!/usr/bin/env node
// Builds the library package (libs/throttle/dist: CommonJS, and ES modules in dist/esm, each with .d.ts), then every app against it: the apps
// import `nest-scoped-throttle` like any user, resolved through the npm workspace link to the
// package's exports. Each app gets its entry point at dist/apps/<app>/main.js (Nest's monorepo
// convention), so `node dist/apps/demo/main.js` runs as is.
'use strict';
const { existsSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { finishEsmBuild } = require('./build-esm');
const { markOptionalPeerTypes } = require('./build-types');

const root = join(__dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = (project) => execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });

rmSync(join(root, 'dist'), { recursive: true, force: true });
rmSync(join(root, 'libs', 'throttle', 'dist'), { recursive: true, force: true });
try {
  run('libs/throttle/tsconfig.lib.json');
  run('libs/throttle/tsconfig.esm.json');
  finishEsmBuild(join(root, 'libs', 'throttle', 'dist', 'esm'));
  markOptionalPeerTypes(join(root, 'libs', 'throttle', 'dist'));
  run('tsconfig.build.json');
} catch {
  console.error('build failed');
  process.exit(1);
}
for (const app of readdirSync(join(root, 'apps'))) {
  if (!existsSync(join(root, 'dist', 'apps', app, 'src', 'main.js'))) continue;
  writeFileSync(join(root, 'dist', 'apps', app, 'main.js'), "'use strict';\nrequire('./src/main');\n");
}
