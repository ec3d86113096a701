import { Controller, Get, VersioningType } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ThrottleClock, ThrottleModule, ThrottleScope } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';

class BaseController {
  @Get('x') x() { return 'x'; }
}
@ThrottleScope('one') @Controller('a') class AController extends BaseController {}
@ThrottleScope('two') @Controller('b') class BController extends BaseController {}

@Controller({ path: 'v', version: '1' })
class V1Controller {
  @ThrottleScope('one') @Get() get() { return 'v1'; }
}
@Controller({ path: 'v', version: '2' })
class V2Controller {
  @ThrottleScope('two') @Get() get() { return 'v2'; }
}

async function start(controllers: any[], versioned = false) {
  const ref = await Test.createTestingModule({
    imports: [ThrottleModule.forRoot({ scopes: { one: '1/m', two: '3/m' } })],
    controllers,
  })
    .overrideProvider(ThrottleClock)
    .useValue(new FakeClock())
    .compile();
  const app = ref.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  if (versioned) app.enableVersioning({ type: VersioningType.HEADER, header: 'x-api-version' });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('routing edge cases', () => {
  let app: NestFastifyApplication;
  afterEach(() => app.close());

  it('gives a handler inherited by two controllers the scope of each controller', async () => {
    app = await start([AController, BController]);
    expect((await app.inject('/a/x')).headers['ratelimit-policy']).toBe('"one";q=1;w=60');
    expect((await app.inject('/b/x')).headers['ratelimit-policy']).toBe('"two";q=3;w=60');
    expect((await app.inject('/a/x')).statusCode).toBe(429);
    expect((await app.inject('/b/x')).statusCode).toBe(200);
  });

  it('keeps header-versioned handlers on one path apart (the fast lane steps aside)', async () => {
    app = await start([V1Controller, V2Controller], true);
    const v = (version: string) => app.inject({ method: 'GET', url: '/v', headers: { 'x-api-version': version } });
    const first = await v('1');
    expect(first.body).toBe('v1');
    expect(first.headers['ratelimit-policy']).toBe('"one";q=1;w=60');
    const v2 = [await v('2'), await v('2'), await v('2'), await v('2')];
    expect(v2.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(v2[0].headers['ratelimit-policy']).toBe('"two";q=3;w=60');
    const again = await v('1');
    expect(again.statusCode).toBe(429);
    expect(again.json().scope).toBe('one');
  });
});
