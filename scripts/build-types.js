// Makes the library's typings stand alone: a line of a .d.ts that names an optional peer (ioredis,
// prom-client, fast-check, yaml, @opentelemetry/api) gets a `// @ts-ignore` before it. An app with the peer installed gets its
// exact types (a Redis client, a prom-client Registry); an app without it compiles with
// `skipLibCheck: false` all the same (TS2307 is ignored and those types are `any`, in options the app
// does not use). The source keeps importing the peers' own types, with no copies to drift.
'use strict';
const { readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const OPTIONAL_PEERS = ['ioredis', 'prom-client', 'fast-check', 'yaml', '@opentelemetry/api'];
const NAMES_PEER = new RegExp(`(from |import\\(|declare module )'(${OPTIONAL_PEERS.join('|')})'`);
const IGNORE = '// @ts-ignore -- optional peer dependency: without it installed, these types are `any`';

/** Every .d.ts file under `dir`. */
function typings(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return typings(path);
    return name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Marks the lines naming an optional peer in every .d.ts under `distDir`; returns how many files changed. */
function markOptionalPeerTypes(distDir) {
  let changed = 0;
  for (const file of typings(distDir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const out = lines.flatMap((line, i) => (NAMES_PEER.test(line) && lines[i - 1] !== IGNORE ? [IGNORE, line] : [line]));
    if (out.length === lines.length) continue;
    writeFileSync(file, out.join('\n'));
    changed += 1;
  }
  return changed;
}

module.exports = { markOptionalPeerTypes, OPTIONAL_PEERS };
