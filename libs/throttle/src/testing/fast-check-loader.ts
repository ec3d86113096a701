// Loads fast-check for the conformance suite's property tests. It lives alone so that no typings of
// the public entry (`nest-scoped-throttle/testing`) import fast-check: an app that uses only FakeClock or
// ReferenceModel compiles with skipLibCheck: false and no fast-check installed.
import type * as FastCheck from 'fast-check';

/** fast-check, loaded when the suite runs (an optional peer dependency, needed only by this suite). */
export function loadFastCheck(): typeof FastCheck {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('fast-check') as typeof FastCheck;
}
