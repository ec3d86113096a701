import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

// scripts/check-links.js (`npm run docs:links`): GitHub's anchors, what counts as a link, and a broken
// file or #anchor reported with its line.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { slug, anchorsOf, linksOf, check } = require('../../scripts/check-links.js') as {
  slug: (heading: string) => string;
  anchorsOf: (text: string) => Set<string>;
  linksOf: (text: string) => { target: string; line: number }[];
  check: (files: string[]) => string[];
};
const root = join(__dirname, '..', '..');

describe('slug', () => {
  it.each([
    ['Failover: what it can forget, and `waitReplicas`', 'failover-what-it-can-forget-and-waitreplicas'],
    ['…Redis fails over (Sentinel, Cluster)', 'redis-fails-over-sentinel-cluster'],
    ['`user` keys and authentication', 'user-keys-and-authentication'],
    ['From @nestjs/throttler', 'from-nestjsthrottler'],
    ['The experiment: 6 workers, 6× the limit — and the fix', 'the-experiment-6-workers-6-the-limit--and-the-fix'],
    ['snake_case [linked](x.md) name', 'snake_case-linked-name'],
  ])('%s → #%s', (heading, anchor) => {
    expect(slug(heading)).toBe(anchor);
  });
});

it('numbers repeated headings and ignores headings inside code blocks', () => {
  expect([...anchorsOf('# Setup\n## Setup\n```bash\n# not a heading\n```\n### A `b` c\n<a id="custom"></a>')]).toEqual([
    'setup',
    'setup-1',
    'a-b-c',
    'custom',
  ]);
});

it('finds inline links, images and definitions, not links in code', () => {
  const text = 'see [a](a.md#x) and ![img](i.png "t")\n`[no](code.md)`\n```\n[no](fence.md)\n```\n[ref]: ref.md';
  expect(linksOf(text)).toEqual([
    { target: 'a.md#x', line: 1 },
    { target: 'i.png', line: 1 },
    { target: 'ref.md', line: 6 },
  ]);
});

describe('check', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'check-links-'));
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'target.md'), '# Target\n## Real heading\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes links to files, folders, headings and the web', () => {
    const readme = join(dir, 'README.md');
    writeFileSync(readme, '[t](docs/target.md#real-heading) [d](docs) [top](#top) [web](https://example.com/#nope)\n# Top\n');
    expect(check([relative(root, readme)])).toEqual([]);
  });

  it('reports a missing file and a missing anchor, with the line', () => {
    const readme = join(dir, 'README.md');
    writeFileSync(readme, '# Top\n[gone](docs/gone.md)\n[bad](docs/target.md#unreal-heading) [self](#nowhere)\n');
    const name = relative(root, readme);
    expect(check([name])).toEqual([
      `${name}:2: (docs/gone.md) no such file: ${relative(root, join(dir, 'docs', 'gone.md'))}`,
      `${name}:3: (docs/target.md#unreal-heading) no heading for #unreal-heading in ${relative(root, join(dir, 'docs', 'target.md'))}`,
      `${name}:3: (#nowhere) no heading for #nowhere in ${name}`,
    ]);
  });
});
