// Scope identities on every platform: by IP (the default), header, query parameter, user and
// function, each falling back to the client IP when its value is missing (two loopback clients
// tell "by IP" apart from "one shared bucket for missing values").
import { CanActivate, Controller, ExecutionContext, Get, Injectable, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { CLIENT_B, PLATFORMS, RequestSpec, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller('keys')
class KeysController {
  @ThrottleScope('by_ip') @Get('ip') ip() {
    return 'i';
  }
  @ThrottleScope('by_header') @Get('header') header() {
    return 'h';
  }
  @ThrottleScope('by_query') @Get('query') query() {
    return 'q';
  }
  @ThrottleScope('by_user') @Get('user') user() {
    return 'u';
  }
  @ThrottleScope('by_fn') @Get('fn') fn() {
    return 'f';
  }
}

/** Sets request.user from a header, as an authentication step would. */
const authenticateFrom = (header: string) => (req: any) => {
  if (req.headers[header]) req.user = { id: req.headers[header] };
};

/** Authentication by a global guard registered before ThrottleModule's. */
@Injectable()
class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    authenticateFrom('x-guard-user')(context.switchToHttp().getRequest());
    return true;
  }
}
@Module({ providers: [{ provide: APP_GUARD, useClass: AuthGuard }] })
class AuthGuardModule {}

/** Authentication by Nest middleware (MiddlewareConsumer). */
@Module({})
class AuthMiddlewareModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    const authenticate = authenticateFrom('x-middleware-user');
    consumer.apply((req: any, _res: unknown, next: () => void) => (authenticate(req), next())).forRoutes(KeysController);
  }
}

const scopes: ThrottleModuleOptions['scopes'] = {
  by_ip: '1/m',
  by_header: { rate: '1/m', key: 'header:X-Api-Key' },
  by_query: { rate: '1/m', key: 'query:api_key' },
  by_user: { rate: '1/m', key: 'user' },
  by_fn: { rate: '1/m', key: (req: any) => req.headers['x-tenant'] },
};

describe.each(PLATFORMS)('identities over %s', (platform) => {
  let app: ThrottledApp;
  beforeEach(async () => {
    app = await startThrottled(platform, {
      throttle: { scopes },
      controllers: [KeysController],
      imports: [AuthGuardModule, AuthMiddlewareModule],
      beforeGuards: authenticateFrom('x-user'), // the platform's own hook: Fastify preHandler, Express middleware
    });
  });
  afterEach(() => app.close());
  const run = (requests: RequestSpec[]) => statuses(app.get, requests);

  /** Two requests with `value`, one with `other`, then two from client A and one from client B without either. */
  const withFallback = (request: (value?: string) => RequestSpec, value: string, other: string) => {
    const anonymous = request();
    return run([request(value), request(value), request(other), anonymous, anonymous, [anonymous[0], anonymous[1], CLIENT_B]]);
  };
  const BY_VALUE_THEN_IP = [200, 429, 200, 200, 429, 200];

  it('keys by the client IP by default', async () => {
    expect(await run([['/keys/ip'], ['/keys/ip'], ['/keys/ip', {}, CLIENT_B]])).toEqual([200, 429, 200]);
  });

  it('keys by a header, a missing header falling back to the IP', async () => {
    const request = (key?: string): RequestSpec => ['/keys/header', key === undefined ? {} : { 'x-api-key': key }];
    expect(await withFallback(request, 'k1', 'k2')).toEqual(BY_VALUE_THEN_IP);
  });

  it.each([
    ['an absent', ''],
    ['an empty', '?api_key='],
  ])('keys by a query parameter, %s value falling back to the IP', async (_how, missing) => {
    const request = (key?: string): RequestSpec => [key === undefined ? `/keys/query${missing}` : `/keys/query?api_key=${key}`];
    expect(await withFallback(request, 'k1', 'k2')).toEqual(BY_VALUE_THEN_IP);
  });

  it.each([
    ['a platform hook (Fastify preHandler, Express middleware)', 'x-user'],
    ['a global guard registered first', 'x-guard-user'],
    ['Nest middleware (MiddlewareConsumer)', 'x-middleware-user'],
  ])('keys by request.user.id set by %s, an anonymous client by IP', async (_how, header) => {
    const request = (user?: string): RequestSpec => ['/keys/user', user === undefined ? {} : { [header]: user }];
    expect(await withFallback(request, 'alice', 'bob')).toEqual(BY_VALUE_THEN_IP);
  });

  it('keys by a function, an undefined result falling back to the IP', async () => {
    const request = (tenant?: string): RequestSpec => ['/keys/fn', tenant === undefined ? {} : { 'x-tenant': tenant }];
    expect(await withFallback(request, 't1', 't2')).toEqual(BY_VALUE_THEN_IP);
  });
});
