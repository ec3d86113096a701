// Routing cases where one handler or one path serves several plans, on every platform:
// an inherited handler, and header-versioned controllers sharing a path.
import { Controller, Get, INestApplication, VersioningType } from '@nestjs/common';
import { ThrottleScope } from 'nest-scoped-throttle';
import { Platform, PLATFORMS } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

class BaseController {
  @Get('x') x() {
    return 'x';
  }
}
@ThrottleScope('one')
@Controller('a')
class AController extends BaseController {}
@ThrottleScope('two')
@Controller('b')
class BController extends BaseController {}

@Controller({ path: 'v', version: '1' })
class V1Controller {
  @ThrottleScope('one') @Get() get() {
    return 'v1';
  }
}
@Controller({ path: 'v', version: '2' })
class V2Controller {
  @ThrottleScope('two') @Get() get() {
    return 'v2';
  }
}

const headerVersioning = (app: INestApplication) => app.enableVersioning({ type: VersioningType.HEADER, header: 'x-api-version' });

function start(platform: Platform, controllers: any[], configure?: (app: INestApplication) => void) {
  return startThrottled(platform, { throttle: { scopes: { one: '1/m', two: '3/m' } }, controllers, configure });
}

describe.each(PLATFORMS)('routing edge cases over %s', (platform) => {
  let app: ThrottledApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('gives a handler inherited by two controllers the scope of each controller', async () => {
    app = await start(platform, [AController, BController]);
    expect((await app.get('/a/x')).headers['ratelimit-policy']).toBe('"one";q=1;w=60');
    expect((await app.get('/b/x')).headers['ratelimit-policy']).toBe('"two";q=3;w=60');
    expect((await app.get('/a/x')).status).toBe(429);
    expect((await app.get('/b/x')).status).toBe(200);
  });

  it('keeps header-versioned handlers on one path apart (the fast lane steps aside)', async () => {
    app = await start(platform, [V1Controller, V2Controller], headerVersioning);
    const v = (version: string) => app!.get('/v', { 'x-api-version': version });
    const first = await v('1');
    expect(first.body).toBe('v1');
    expect(first.headers['ratelimit-policy']).toBe('"one";q=1;w=60');
    const v2 = [await v('2'), await v('2'), await v('2'), await v('2')];
    expect(v2.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(v2[0].headers['ratelimit-policy']).toBe('"two";q=3;w=60');
    const again = await v('1');
    expect(again.status).toBe(429);
    expect(again.body.scope).toBe('one');
  });
});
