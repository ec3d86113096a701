// Issue 17 #2 (and the rest of "errors never take the process down") over every platform: a throw in
// onThrottled, skipIf, a key function or a tier function becomes that request's 500 and one error
// line naming the hook and the scope, on the guard and on the Fastify fast lane, with a store that
// answers at once (memory) and one that answers with a promise (as Redis does). GraphQL and
// WebSockets: test/contexts/hook-errors.e2e-spec.ts.
import { Controller, Get, Logger } from '@nestjs/common';
import {
  MemoryThrottleStorage,
  ThrottleDecision,
  ThrottleModuleOptions,
  ThrottleRequest,
  ThrottleScope,
  ThrottleStorage,
} from 'nest-scoped-throttle';
import { PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class HooksController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
  @ThrottleScope('keyed') @Get('keyed') keyed() {
    return 'keyed';
  }
  @ThrottleScope('tiered') @Get('tiered') tiered() {
    return 'tiered';
  }
  @ThrottleScope('skippy') @Get('skippy') skippy() {
    return 'skippy';
  }
}

/** A store that always answers with a promise (no decideSync), as a shared store does. */
class PromiseStorage extends ThrottleStorage {
  private readonly memory = new MemoryThrottleStorage();
  consume(request: ThrottleRequest): Promise<ThrottleDecision> {
    return new Promise((resolve) => setImmediate(() => resolve(this.memory.consume(request))));
  }
}

const boom = (): never => {
  throw new Error('boom');
};

const scopes: ThrottleModuleOptions['scopes'] = {
  hi: '1/hour',
  keyed: { rate: '5/hour', key: boom },
  tiered: { rate: '5/hour', tier: boom, tiers: { pro: '10/hour' } },
  skippy: { rate: '5/hour', skipIf: boom },
};

describe.each(PLATFORMS)('issue 17: hooks that throw over %s', (platform) => {
  let app: ThrottledApp | undefined;
  let errors: jest.SpyInstance;
  const start = async (throttle: Partial<ThrottleModuleOptions>) =>
    (app = await startThrottled(platform, { throttle: { scopes, ...throttle }, controllers: [HooksController] }));
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await app?.close();
    app = undefined;
  });
  const lines = (pattern: RegExp) => errors.mock.calls.filter(([line]) => pattern.test(String(line)));

  it.each([
    ['the guard', { fastLane: false }],
    ['the fast lane, store answering at once', {}],
    ['the fast lane, store answering with a promise', { storage: new PromiseStorage() }],
  ] as const)('issue 17 #2: onThrottled that throws is a 500 and one log line (%s), never the process', async (_path, options) => {
    const a = await start({ ...options, onThrottled: boom });
    // The first request teaches the fast lane the route; the next ones are refused on the path under test.
    expect(await statuses(a.get, [['/hi'], ['/hi'], ['/hi']])).toEqual([200, 500, 500]);
    expect((await a.get('/hi')).body).toEqual({ statusCode: 500, message: 'Internal server error' });
    expect(lines(/onThrottled of scope "hi" threw: boom/)).toHaveLength(3);
    expect(errors).toHaveBeenCalledTimes(3); // nothing else logged (no stack from Nest's exception filter)
    expect((await a.get('/keyed')).status).toBe(500); // the process still answers
  });

  it.each([
    ['key', '/keyed', /key of scope "keyed" threw: boom/],
    ['tier', '/tiered', /tier of scope "tiered" threw: boom/],
    ['skipIf', '/skippy', /skipIf of scope "skippy" threw: boom/],
  ] as const)('issue 17 #2: a %s function that throws is that request’s 500 and one log line', async (_hook, path, line) => {
    const a = await start({});
    expect(await statuses(a.get, [[path], [path]])).toEqual([500, 500]);
    expect(lines(line)).toHaveLength(2);
    expect(errors).toHaveBeenCalledTimes(2);
    expect((await a.get('/hi')).status).toBe(200);
  });
});
