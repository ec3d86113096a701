#!/usr/bin/env node
// Checks the npm package as it would be published (run after `npm run build`; CI runs it): packs
// libs/throttle into a temp dir, then `publint --strict` (package.json fields, exports, files) and
// `attw` (@arethetypeswrong/cli: the typings every resolution mode finds, CommonJS and ESM) on the
// tarball, and `npm publish --dry-run`, which must warn about nothing but the missing login.
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (command, args) => execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const dir = mkdtempSync(join(tmpdir(), 'nest-scoped-throttle-check-'));
try {
  const [{ filename, size, entryCount }] = JSON.parse(run('npm', ['pack', './libs/throttle', '--pack-destination', dir, '--json']));
  const tarball = join(dir, filename);
  console.log(`${filename}: ${size} bytes, ${entryCount} files`);
  execFileSync(bin('publint'), ['run', tarball, '--strict'], { cwd: root, stdio: 'inherit' });
  execFileSync(bin('attw'), [tarball], { cwd: root, stdio: 'inherit' });
  const published = execFileSync('npm', ['publish', '--dry-run', '--workspace', 'libs/throttle'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const warnings = `${published}`.split('\n').filter((line) => /warn/i.test(line) && !/logged in/.test(line));
  if (warnings.length > 0) throw new Error(`npm publish --dry-run warned:\n${warnings.join('\n')}`);
  console.log('npm publish --dry-run: clean');
} catch (error) {
  console.error(error.stdout ?? '', error.stderr ?? '', error.message);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
