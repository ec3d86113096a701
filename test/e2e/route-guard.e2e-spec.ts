// A controller's own `@UseGuards(AuthGuard, ThrottleGuard)`, as the README offers for `user` keys and
// `user:` tiers behind a controller-level auth guard: that guard decides the route after
// authentication, the global guard (and Fastify's fast lane) leave the route to it.
import { CanActivate, Controller, ExecutionContext, Get, Injectable, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ThrottleGuard, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { CLIENT_B, PLATFORMS, RequestSpec, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

/** Authentication at route level: request.user (id and plan) from test headers, as a token would give them. */
@Injectable()
class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest();
    if (req.headers['x-user']) req.user = { id: req.headers['x-user'], plan: req.headers['x-plan'] };
    return true;
  }
}

/** Refuses anonymous requests (401), as a real auth guard does. */
@Injectable()
class RequireUser implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest().headers['x-user'] === undefined) throw new UnauthorizedException();
    return true;
  }
}

@UseGuards(AuthGuard, ThrottleGuard)
@Controller('guarded')
class GuardedController {
  @ThrottleScope('by_user') @Get('user') user() {
    return 'u';
  }
  @ThrottleScope('by_plan') @Get('plan') plan() {
    return 'p';
  }
}

@Controller('handler')
class HandlerGuardedController {
  @UseGuards(AuthGuard, ThrottleGuard) @ThrottleScope('by_user') @Get('user') user() {
    return 'u';
  }
}

@Controller('members')
class MembersController {
  @UseGuards(RequireUser, ThrottleGuard) @ThrottleScope('by_ip') @Get() members() {
    return 'm';
  }
}

const scopes: ThrottleModuleOptions['scopes'] = {
  by_user: { rate: '1/m', key: 'user' },
  by_plan: { rate: '1/m', key: 'user', tier: 'user:plan', tiers: { pro: '3/m' } },
  by_ip: '2/m',
};

describe.each(PLATFORMS)('issue 17 #7: @UseGuards(AuthGuard, ThrottleGuard) over %s', (platform) => {
  let app: ThrottledApp;
  beforeEach(async () => {
    app = await startThrottled(platform, {
      throttle: { scopes },
      controllers: [GuardedController, HandlerGuardedController, MembersController],
    });
  });
  afterEach(() => app.close());
  const run = (requests: RequestSpec[]) => statuses(app.get, requests);
  const as = (path: string, user: string, plan?: string, from?: string): RequestSpec => [
    path,
    plan ? { 'x-user': user, 'x-plan': plan } : { 'x-user': user },
    from,
  ];

  it.each(['/guarded/user', '/handler/user'])('%s keys by the user the route’s auth guard set, not by IP', async (path) => {
    // Three users from one IP each get their own counter; the same user from another IP shares it.
    expect(
      await run([as(path, 'alice'), as(path, 'bob'), as(path, 'carol'), as(path, 'alice'), as(path, 'bob', undefined, CLIENT_B)]),
    ).toEqual([200, 200, 200, 429, 429]);
  });

  it('the tier is the user’s plan (3/m on pro), not the base rate', async () => {
    const pro = as('/guarded/plan', 'alice', 'pro');
    expect(await run([pro, pro, pro, pro, as('/guarded/plan', 'bob'), as('/guarded/plan', 'bob')])).toEqual([200, 200, 200, 429, 200, 429]);
    const res = await app.get('/guarded/plan', { 'x-user': 'carol', 'x-plan': 'pro' });
    expect(res.headers['ratelimit-policy']).toBe('"by_plan";q=3;w=60');
  });

  it('counts each request once (the global guard leaves the route to its own)', async () => {
    const res = await app.get('/guarded/plan', { 'x-user': 'dave', 'x-plan': 'pro' });
    expect(res.headers['ratelimit']).toBe('"by_plan";r=2;t=60');
  });

  it('runs after the route’s auth guard on every request (the fast lane never decides the route first)', async () => {
    // The route is served once (Fastify's fast lane would learn it); anonymous requests are then refused
    // by authentication (401) and never counted: the member still has one request left.
    expect(await run([['/members', { 'x-user': 'm' }], ['/members'], ['/members'], ['/members'], ['/members', { 'x-user': 'm' }]])).toEqual(
      [200, 401, 401, 401, 200],
    );
  });
});
