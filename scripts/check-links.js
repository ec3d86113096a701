#!/usr/bin/env node
// Fails on a broken internal link in the docs a user reads (`npm run docs:links`, part of `npm run lint` and CI):
// README.md, CONTRIBUTING.md, docs/**/*.md (not the generated docs/api), docker/README.md and
// libs/throttle/{README,CHANGELOG}.md. Every relative link must name a file or folder that exists, and
// every #anchor (in the same file or another Markdown file) a heading there, slugged as GitHub does.
// External links (http:, https:, mailto:) are not fetched: this runs offline. Links inside code blocks
// and code spans are not links and are skipped.
'use strict';
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');

const root = join(__dirname, '..');
const FILES = ['README.md', 'CONTRIBUTING.md', 'docker/README.md', 'libs/throttle/README.md', 'libs/throttle/CHANGELOG.md'];

/** Generated output (`npm run docs:api`), whose copies of the docs are not where their links point from. */
const SKIPPED = new Set(['docs/api']);

/** Markdown files of `dir` and its subfolders, relative to the repository root. */
function markdownUnder(dir) {
  if (SKIPPED.has(dir) || !existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return markdownUnder(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The text outside fenced code blocks, one entry per line (fenced lines become empty: line numbers hold). */
function proseLines(text) {
  let fence = null;
  return text.split('\n').map((line) => {
    const marker = /^\s*(```+|~~~+)/.exec(line);
    if (marker && (fence === null || marker[1].startsWith(fence))) {
      fence = fence === null ? marker[1] : null;
      return '';
    }
    return fence === null ? line : '';
  });
}

/** GitHub's anchor for a heading's text (github-slugger): rendered text, lower case, punctuation dropped, spaces to dashes. */
function slug(heading) {
  const rendered = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '');
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file defines: one per heading (duplicates get -1, -2, …) and explicit `id`/`name` attributes. */
function anchorsOf(text) {
  const anchors = new Set();
  const seen = new Map();
  for (const line of proseLines(text)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
  }
  return anchors;
}

/** Every link target of a file with its line number: inline links and images, and reference definitions. */
function linksOf(text) {
  const links = [];
  proseLines(text).forEach((line, index) => {
    const prose = line.replace(/(`+)[^`]*?\1/g, '');
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ target: match[1], line: index + 1 });
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(prose);
    if (definition) links.push({ target: definition[1], line: index + 1 });
  });
  return links;
}

const anchorCache = new Map();
function anchorsOfFile(path) {
  if (!anchorCache.has(path)) anchorCache.set(path, anchorsOf(readFileSync(path, 'utf8')));
  return anchorCache.get(path);
}

/** The problem with one link of `file`, or undefined when it resolves. */
function problemOf(file, target) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // http:, https:, mailto: …: not checked offline
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const path = pathPart === '' ? file : resolve(dirname(file), pathPart);
  if (!existsSync(path)) return `no such file: ${relative(root, path) || pathPart}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(path).isDirectory() || !path.endsWith('.md')) return undefined; // e.g. a source line (#L10)
  if (!anchorsOfFile(path).has(anchor)) return `no heading for #${anchor} in ${relative(root, path)}`;
  return undefined;
}

/** Checks `files` (relative to the repository root); returns one line per broken link. */
function check(files) {
  const problems = [];
  for (const name of files) {
    const file = join(root, name);
    for (const { target, line } of linksOf(readFileSync(file, 'utf8'))) {
      const problem = problemOf(file, target);
      if (problem) problems.push(`${name}:${line}: (${target}) ${problem}`);
    }
  }
  return problems;
}

if (require.main === module) {
  const files = [...FILES.filter((name) => existsSync(join(root, name))), ...markdownUnder('docs')];
  const problems = check(files);
  for (const problem of problems) console.error(problem);
  const count = files.reduce((sum, name) => sum + linksOf(readFileSync(join(root, name), 'utf8')).length, 0);
  console.log(`docs:links: ${files.length} files, ${count} links, ${problems.length} broken`);
  if (problems.length > 0) process.exit(1);
}

module.exports = { slug, anchorsOf, linksOf, check };
