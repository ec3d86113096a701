/**
 * The dual-package check: in an installed app, `require()` and `import()` of the package (and of its
 * `/testing` entry) must give the very same classes, or an app mixing both would hold two
 * `ThrottleModule`s and two `ThrottleClock` tokens. Node (20.19+, 22.12+, 24) resolves both through the
 * `module-sync` condition to the ES-module build, so there is one copy.
 */
import { run } from './harness';

const SCRIPT = `
const root = require('nest-scoped-throttle');
const testing = require('nest-scoped-throttle/testing');
Promise.all([import('nest-scoped-throttle'), import('nest-scoped-throttle/testing')]).then(([esRoot, esTesting]) => {
  console.log(JSON.stringify({
    module: esRoot.ThrottleModule === root.ThrottleModule,
    clock: esRoot.ThrottleClock === root.ThrottleClock,
    fakeClock: esTesting.FakeClock === testing.FakeClock,
    fakeExtendsClock: new testing.FakeClock() instanceof esRoot.ThrottleClock,
    required: require.resolve('nest-scoped-throttle'),
  }));
});`;

/** What the app in `dir` gets from require() and import(), on the Node first on PATH (`pathFirst`). */
export async function requireAndImport(dir: string, pathFirst?: string): Promise<Record<string, unknown>> {
  const { stdout } = await run('require and import', 'node', ['-e', SCRIPT], dir, 30_000, pathFirst);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** The answer of {@link requireAndImport} when there is one copy. */
export const ONE_COPY = {
  module: true,
  clock: true,
  fakeClock: true,
  fakeExtendsClock: true,
  required: expect.stringMatching(/node_modules\/nest-scoped-throttle\/dist\/esm\/index\.js$/),
};
