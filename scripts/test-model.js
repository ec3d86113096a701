#!/usr/bin/env node
// Runs issue 17's model suite (test/model) longer than `npm test` does:
//   npm run test:model -- --runs 200       every property (store × platform) 200 runs
//   npm run test:model -- --scale 10       10 times each property's bounded count in `npm test`
//   npm run test:model -- --seed S --path P   replays one counterexample (as a failure prints it)
// Any other argument goes to jest (e.g. -t 'redis fastify').
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const env = { ...process.env };
const jestArgs = [];
const args = process.argv.slice(2);
const OPTIONS = { '--runs': 'MODEL_RUNS', '--scale': 'MODEL_SCALE', '--seed': 'MODEL_SEED', '--path': 'MODEL_PATH' };
for (let i = 0; i < args.length; i++) {
  const name = OPTIONS[args[i]];
  if (name === undefined) {
    jestArgs.push(args[i]);
    continue;
  }
  const value = args[++i];
  if (value === undefined || (name !== 'MODEL_PATH' && !Number.isFinite(Number(value)))) {
    console.error(`test:model: ${args[i - 1]} needs a number${name === 'MODEL_PATH' ? ' path (e.g. 3:1:0)' : ''}`);
    process.exit(2);
  }
  env[name] = value;
}
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, [jest, 'test/model', '--runInBand', ...jestArgs], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
