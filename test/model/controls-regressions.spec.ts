// Issue 21's model-suite seeds on blocks, as fixed examples: each sequence goes through the real app
// (memory and one Redis, both platforms) and is compared, response by response and call by call, with
// the model (model-check.ts). Each failed before the fixes of the svc-fix branch; see the names.
import { startRedis, StartedRedis } from '../../libs/testkit/src';
import { PLATFORMS } from '../support/apps/platforms';
import { describeRedis } from '../support/redis/harness';
import type { ModelCase, ModelScope, ModelStep, ServiceCall } from './model-config';
import { checkCase } from './model-check';

/** A sliding-log scope keyed by IP that blocks for `blockMs` once it refuses. */
const blocking = (limit: number, windowMs: number, blockMs: number): ModelScope => ({
  name: 'login',
  rate: { limit, windowMs },
  algorithm: 'sliding-log',
  shadow: false,
  key: 'ip',
  allow: false,
  skipIf: false,
  blockMs,
});
const config = (s: ModelScope): ModelCase['config'] => ({ scopes: [s], routes: [{ scopes: ['login'] }], onThrottled: 'default' });
const request = (advanceMs = 0): ModelStep => ({ advanceMs, route: 0, client: 0 });
const call = (kind: ServiceCall['kind'], more: Partial<ServiceCall> = {}, advanceMs = 0): ModelStep => ({
  ...request(advanceMs),
  call: { kind, scope: 0, ...more },
});

/** Seed -1454975709: a refusal during a shorter block set by ThrottleService.block reports that block, not a new `blockFor`. */
const serviceBlockHolds: ModelCase = {
  config: config(blocking(2, 10_000, 60_000)),
  steps: [request(), call('block', { blockMs: 500 }), request(), request(200), request(300), request()],
};

/** Seeds 1696752993, -2040764740: a refund takes back real admissions only, never a block's unit; the block holds. */
const refundKeepsBlock: ModelCase = {
  config: config(blocking(2, 1_000, 5_000)),
  steps: [
    request(),
    request(),
    request(),
    call('refund', {}, 1_000),
    request(),
    call('block', { blockMs: 60_000 }),
    request(3_999),
    request(1),
  ],
};

/** Seed -849406069: after a reset lifted a block, a refusal near the old block's end starts a new block. */
const resetForgetsBlock: ModelCase = {
  config: config(blocking(1, 1_000, 5_000)),
  steps: [request(), request(), call('reset', {}, 4_500), request(), request(), request(1_000), request(3_999), request(1)],
};

const EXAMPLES: [string, ModelCase][] = [
  ['a refusal during a ThrottleService.block reports the block that holds (the store says)', serviceBlockHolds],
  ['a refund never lifts a block', refundKeepsBlock],
  ['reset forgets the block this process learned: the next refusal blocks anew', resetForgetsBlock],
];

describe.each(PLATFORMS)('issue 21 block regressions of the model suite, memory store, %s', (platform) => {
  it.each(EXAMPLES)('%s', (_, c) => checkCase(c, platform, { kind: 'memory' }));
});

describeRedis('issue 21 block regressions of the model suite, one Redis', () => {
  let server: StartedRedis;
  beforeAll(async () => (server = await startRedis()));
  afterAll(() => server?.cleanup());

  describe.each(PLATFORMS)('%s', (platform) => {
    it.each(EXAMPLES)('%s', (_, c) => checkCase(c, platform, { kind: 'redis', url: server.url }));
  });
});
