#!/usr/bin/env node
// Builds every app and the library into dist/ with one tsc pass, then rewrites the
// `@app/throttle` path alias into relative requires so `node dist/apps/demo/main.js` runs as is.
'use strict';
const { rmSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
rmSync(join(root, 'dist'), { recursive: true, force: true });
const run = (cmd, args) => execFileSync(bin(cmd), args, { cwd: root, stdio: 'inherit' });
try {
  run('tsc', ['-p', 'tsconfig.build.json']);
  run('tsc-alias', ['-p', 'tsconfig.build.json']);
} catch {
  process.exitCode = 1;
}
