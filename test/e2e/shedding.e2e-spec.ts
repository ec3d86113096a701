// Issue 22's load shedding on both platforms, with an injected pressure probe (no real load): past the
// threshold the lowest priority is shed first with 503 + Retry-After, critical routes never; the
// problem+json body has the draft's temporary-reduced-capacity type.
import { Controller, Get } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Pressure, PressureProbe, ThrottleModule, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { PLATFORMS, RunningApp, startApp } from '../support/apps/platforms';

@Controller()
class PriorityController {
  @ThrottleScope('checkout') @Get('checkout') checkout() {
    return 'paid';
  }
  @ThrottleScope('search') @Get('search') search() {
    return 'found';
  }
  @ThrottleScope('feed') @Get('feed') feed() {
    return 'fed';
  }
  @ThrottleScope('reports') @Get('reports') reports() {
    return 'reported';
  }
  @ThrottleScope('feed', 'checkout') @Get('mixed') mixed() {
    return 'mixed';
  }
}

const options = (extra: Partial<ThrottleModuleOptions> = {}): ThrottleModuleOptions => ({
  scopes: {
    checkout: { rate: '1000/s', priority: 'critical' },
    search: { rate: '1000/s', priority: 'high' },
    feed: { rate: '1000/s' }, // normal
    reports: { concurrency: 10, priority: 'low' },
  },
  shed: { eventLoopUtilization: 0.9, eventLoopDelayMs: 100 },
  ...extra,
});

describe.each(PLATFORMS)('load shedding over %s', (platform) => {
  let app: RunningApp | undefined;
  let pressure: Pressure = { eventLoopUtilization: 0, eventLoopDelayMs: 0 };
  const start = async (extra?: Partial<ThrottleModuleOptions>) => {
    const moduleRef = await Test.createTestingModule({
      imports: [ThrottleModule.forRoot(options(extra))],
      controllers: [PriorityController],
    })
      .overrideProvider(PressureProbe)
      .useValue({ pressure: () => pressure })
      .compile();
    return (app = await startApp(moduleRef, platform));
  };
  const statusesOf = async (a: RunningApp) => {
    const out: Record<string, number> = {};
    for (const path of ['checkout', 'search', 'feed', 'reports', 'mixed']) out[path] = (await a.get(`/${path}`)).status;
    return out;
  };
  afterEach(async () => {
    await app?.close();
    app = undefined;
    pressure = { eventLoopUtilization: 0, eventLoopDelayMs: 0 };
  });

  it('sheds the lowest priority first as pressure grows; critical (and a route with a critical scope) never', async () => {
    const a = await start();
    expect(await statusesOf(a)).toEqual({ checkout: 200, search: 200, feed: 200, reports: 200, mixed: 200 });
    pressure = { eventLoopUtilization: 0.9, eventLoopDelayMs: 0 }; // level 1: low
    expect(await statusesOf(a)).toEqual({ checkout: 200, search: 200, feed: 200, reports: 503, mixed: 200 });
    pressure = { eventLoopUtilization: 0.5, eventLoopDelayMs: 200 }; // level 2 (2 x delay): normal too
    expect(await statusesOf(a)).toEqual({ checkout: 200, search: 200, feed: 503, reports: 503, mixed: 200 });
    pressure = { eventLoopUtilization: 0.99, eventLoopDelayMs: 0 }; // level 3 (past 0.975): high too
    expect(await statusesOf(a)).toEqual({ checkout: 200, search: 503, feed: 503, reports: 503, mixed: 200 });
    pressure = { eventLoopUtilization: 0.2, eventLoopDelayMs: 99 };
    expect(await statusesOf(a)).toEqual({ checkout: 200, search: 200, feed: 200, reports: 200, mixed: 200 });
  });

  it('a shed request is a 503 with Retry-After and a body naming its priority', async () => {
    const a = await start();
    pressure = { eventLoopUtilization: 0.95, eventLoopDelayMs: 0 };
    const shed = await a.get('/feed');
    expect([shed.status, shed.headers['retry-after']]).toEqual([503, '1']);
    expect(shed.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The service is overloaded and shed this normal-priority request. Retry in 1 second.',
      priority: 'normal',
      retryAfter: 1,
    });
  });

  it("onThrottled: 'problem+json': the temporary-reduced-capacity problem type", async () => {
    const a = await start({ onThrottled: 'problem+json' });
    pressure = { eventLoopUtilization: 0.9, eventLoopDelayMs: 0 };
    const shed = await a.get('/reports');
    expect([shed.status, shed.headers['content-type']?.split(';')[0], shed.headers['retry-after']]).toEqual([
      503,
      'application/problem+json',
      '1',
    ]);
    expect(shed.body).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#temporary-reduced-capacity',
      status: 503,
      priority: 'low',
      retryAfter: 1,
    });
  });

  it('refuses to boot on a bad shed option or priority, naming it', async () => {
    await expect(start({ shed: { eventLoopUtilization: 1.5 } })).rejects.toThrow('shed.eventLoopUtilization must be a number in (0, 1)');
    await expect(start({ shed: {} })).rejects.toThrow('shed needs eventLoopUtilization (e.g. 0.9) or eventLoopDelayMs (e.g. 100)');
    const badPriority = { scopes: { feed: { rate: '1/s', priority: 'urgent' as never } } };
    await expect(start(badPriority)).rejects.toThrow('scope "feed" priority "urgent" must be one of critical, high, normal, low');
  });
});
