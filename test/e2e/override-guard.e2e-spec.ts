// Switching throttling off in an app's tests the way Nest switches off any guard:
// `overrideGuard(ThrottleGuard).useValue({ canActivate: () => true })`, on both platforms, the Fastify
// fast lane and routes that name ThrottleGuard in their own `@UseGuards` included.
import { Controller, Get, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ThrottleClock, ThrottleGuard, ThrottleModule, ThrottleScope } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { PLATFORMS, RunningApp, startApp } from '../support/apps/platforms';

@Controller()
class HiController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
  @UseGuards(ThrottleGuard) @ThrottleScope('hi') @Get('own') own() {
    return 'own';
  }
}

const throttle = ThrottleModule.forRoot({ scopes: { hi: '1/m' } });

describe.each(PLATFORMS)('issue 17 #8: overrideGuard(ThrottleGuard) over %s', (platform) => {
  let app: RunningApp | undefined;
  afterEach(() => app?.close());

  it.each(['/hi', '/own'])('switches %s off: no rate-limit headers, no 429', async (path) => {
    const moduleRef = await Test.createTestingModule({ imports: [throttle], controllers: [HiController] })
      .overrideGuard(ThrottleGuard)
      .useValue({ canActivate: () => true })
      .compile();
    app = await startApp(moduleRef, platform);
    for (let i = 0; i < 4; i++) {
      const res = await app.get(path);
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit']).toBeUndefined();
    }
  });

  it('overrideProvider(ThrottleGuard) still switches the global guard off', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [throttle], controllers: [HiController] })
      .overrideProvider(ThrottleGuard)
      .useValue({ canActivate: () => true })
      .compile();
    app = await startApp(moduleRef, platform);
    expect([(await app.get('/hi')).status, (await app.get('/hi')).status, (await app.get('/hi')).headers['ratelimit']]).toEqual([
      200,
      200,
      undefined,
    ]);
  });

  it('a replacement guard is called for every throttled route (here refusing with 403)', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [throttle], controllers: [HiController] })
      .overrideGuard(ThrottleGuard)
      .useValue({ canActivate: () => false })
      .compile();
    app = await startApp(moduleRef, platform);
    expect((await app.get('/hi')).status).toBe(403);
    expect((await app.get('/own')).status).toBe(403);
  });

  it('without the override the same app throttles (the control), under a FakeClock', async () => {
    const clock = new FakeClock();
    const moduleRef = await Test.createTestingModule({ imports: [throttle], controllers: [HiController] })
      .overrideProvider(ThrottleClock)
      .useValue(clock)
      .compile();
    app = await startApp(moduleRef, platform);
    expect([(await app.get('/hi')).status, (await app.get('/hi')).status, (await app.get('/own')).status]).toEqual([200, 429, 429]);
    clock.advance(60_000);
    expect((await app.get('/hi')).status).toBe(200);
  });
});
