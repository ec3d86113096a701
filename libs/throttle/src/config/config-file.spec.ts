import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// yaml is an optional peer: without it, a JSON file still loads and a YAML file says what to install.
describe('readConfigFile without the yaml package', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'config-file-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads JSON and refuses YAML with an install hint', () => {
    jest.isolateModules(() => {
      jest.doMock('yaml', () => {
        throw Object.assign(new Error("Cannot find module 'yaml'"), { code: 'MODULE_NOT_FOUND' });
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { readConfigFile } = require('./config-file') as typeof import('./config-file');
      const json = join(dir, 'throttle.json');
      const yaml = join(dir, 'throttle.yaml');
      writeFileSync(json, '{ "scopes": { "hi": "1/s" } }');
      writeFileSync(yaml, 'scopes:\n  hi: 1/s\n');
      expect(readConfigFile(json, 'the file option').data).toEqual({ scopes: { hi: '1/s' } });
      expect(() => readConfigFile(yaml, 'the file option')).toThrow(
        'Reading a YAML throttle config needs the yaml package, but it is not installed: npm install yaml (or use a .json file)',
      );
    });
  });
});
