// GraphQL resolvers under @ThrottleScope on Apollo (Express) and Mercurius (Fastify), through real
// POST /graphql requests: the refusal a client receives, one decision per guarded resolver call,
// identities and proxy trust from the HTTP request, headers on the HTTP response.
import { UseGuards } from '@nestjs/common';
import { Field, Mutation, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import {
  SkipThrottle,
  ThrottleGuard,
  ThrottleModuleOptions,
  ThrottleScope,
  ThrottleStorage,
  ThrottleStoreUnavailableError,
} from 'nest-scoped-throttle';
import { CLIENT_B } from '../support/apps/platforms';
import { DRIVERS, GraphqlApp, startGraphql, throttled } from '../support/apps/graphql-app';

@Resolver()
class HiResolver {
  @ThrottleScope('hi') @Query(() => String, { nullable: true }) hello() {
    return 'Hello Hello!';
  }
  @Query(() => String) free() {
    return 'free';
  }
}

@UseGuards(ThrottleGuard) // besides the global guard, e.g. to run after an auth guard: still one decision per call
@Resolver()
class DoublyGuardedResolver {
  @ThrottleScope('hi') @Query(() => String, { nullable: true }) hello() {
    return 'Hello Hello!';
  }
}

@ObjectType()
class User {
  @Field() name: string;
}

@ThrottleScope('users')
@Resolver(() => User)
class UserResolver {
  @Query(() => [User]) users() {
    return ['ann', 'bob', 'cyd'].map((name) => Object.assign(new User(), { name }));
  }
  @ResolveField(() => String, { nullable: true }) badge(): string {
    return 'gold';
  }
  @Mutation(() => String, { nullable: true }) rename() {
    return 'renamed';
  }
  @SkipThrottle() @Query(() => String) usersFree() {
    return 'free';
  }
}

class UnavailableStorage extends ThrottleStorage {
  consume(): Promise<never> {
    return Promise.reject(new ThrottleStoreUnavailableError('redis down'));
  }
}

describe.each(DRIVERS)('GraphQL on %s (%s)', (driver) => {
  let app: GraphqlApp | undefined;
  const start = async (throttle: ThrottleModuleOptions, resolvers: Function[] = [HiResolver], guardFields = true) =>
    (app = await startGraphql(driver, { throttle, resolvers: resolvers as any, guardFields }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('admits with the rate-limit headers; over the limit the field is null with a TOO_MANY_REQUESTS error (HTTP 200, Retry-After)', async () => {
    const a = await start({ scopes: { hi: '2/m' } });
    const first = await a.post('{ hello }');
    expect([first.status, first.body, first.headers['ratelimit'], first.headers['x-ratelimit-remaining']]).toEqual([
      200,
      { data: { hello: 'Hello Hello!' } },
      '"hi";r=1;t=60',
      '1',
    ]);
    await a.post('{ hello }');
    a.clock.advance(3_000);
    const refused = await a.post('{ hello }');
    expect([refused.status, refused.headers['retry-after'], refused.headers['ratelimit']]).toEqual([200, '57', '"hi";r=0;t=57']);
    expect(refused.body).toEqual({ data: { hello: null }, errors: [throttled(['hello'], 57)] });
    a.clock.advance(57_000);
    expect((await a.post('{ hello }')).body).toEqual({ data: { hello: 'Hello Hello!' } });
  });

  it('decides per field: a query selecting three throttled fields consumes three, and only the field over the limit is refused', async () => {
    const a = await start({ scopes: { hi: '3/m' } });
    const res = await a.post('{ a: hello b: hello c: hello d: hello free }');
    expect(res.body).toEqual({
      data: { a: 'Hello Hello!', b: 'Hello Hello!', c: 'Hello Hello!', d: null, free: 'free' },
      errors: [throttled(['d'], 60, 'hi', 30)],
    });
    expect((await a.post('{ hello }')).body.data).toEqual({ hello: null });
  });

  it('a resolver guarded twice (global guard and @UseGuards(ThrottleGuard)) is decided once per call', async () => {
    const a = await start({ scopes: { hi: '2/m' } }, [DoublyGuardedResolver]);
    const res = await a.post('{ a: hello b: hello c: hello }');
    expect([res.body.data, res.headers['ratelimit']]).toEqual([{ a: 'Hello Hello!', b: 'Hello Hello!', c: null }, '"hi";r=0;t=60']);
  });

  it('a class scope throttles its queries, mutations and field resolvers (once per parent object); @SkipThrottle exempts', async () => {
    const a = await start({ scopes: { hi: '1/m', users: '3/m' } }, [UserResolver]);
    const res = await a.post('{ users { name badge } }');
    expect(res.body.data).toEqual({
      users: [
        { name: 'ann', badge: 'gold' },
        { name: 'bob', badge: 'gold' },
        { name: 'cyd', badge: null },
      ],
    });
    // Mercurius sends list indices in error paths as strings ("2"), Apollo as numbers.
    const paths = (errors: any[]) => errors.map((e) => ({ ...e, path: e.path.map(String) }));
    expect(paths(res.body.errors)).toEqual([throttled(['users', '2', 'badge'], 60, 'users', 16)]);
    expect((await a.post('mutation { rename }')).body.errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
    expect((await a.post('{ usersFree }')).body).toEqual({ data: { usersFree: 'free' } });
  });

  it('field resolvers run no guard without fieldResolverEnhancers: ["guards"] (Nest GraphQL default)', async () => {
    const a = await start({ scopes: { hi: '1/m', users: '1/m' } }, [UserResolver], false);
    const res = await a.post('{ users { badge } }');
    expect(res.body).toEqual({ data: { users: [{ badge: 'gold' }, { badge: 'gold' }, { badge: 'gold' }] } });
  });

  it('keys by the HTTP client address after proxy trust', async () => {
    const a = await start({ scopes: { hi: '1/m' }, trustProxy: 1 });
    const from = (xff: string, client?: string) => a.post('{ hello }', { headers: { 'x-forwarded-for': xff }, from: client });
    expect((await from('9.9.9.9, 1.1.1.1')).body.data.hello).toBe('Hello Hello!');
    expect((await from('8.8.8.8, 1.1.1.1', CLIENT_B)).body.data.hello).toBeNull();
    expect((await from('1.1.1.2')).body.data.hello).toBe('Hello Hello!');
  });

  it('a throttled field never makes /graphql itself a throttled route (no headers, no HTTP 429 for other fields)', async () => {
    const a = await start({ scopes: { hi: '1/m' } });
    await a.post('{ hello }');
    await a.post('{ hello }');
    const free = await a.post('{ free }');
    expect([free.status, free.body, free.headers['ratelimit']]).toEqual([200, { data: { free: 'free' } }, undefined]);
  });

  it('the deny store-error policy refuses a field with SERVICE_UNAVAILABLE', async () => {
    const a = await start({ scopes: { hi: '1/m' }, storage: new UnavailableStorage() });
    const res = await a.post('{ hello free }');
    expect(res.body.data).toEqual({ hello: null, free: 'free' });
    expect(res.body.errors.map((e: any) => [e.path, e.extensions])).toEqual([[['hello'], { code: 'SERVICE_UNAVAILABLE' }]]);
  });

  it('refuses to boot on an unknown scope on a resolver, listing the known ones', async () => {
    @Resolver()
    class TypoResolver {
      @ThrottleScope('hii') @Query(() => String) typo() {
        return 'x';
      }
    }
    await expect(start({ scopes: { hi: '1/m' } }, [TypoResolver])).rejects.toThrow(
      'unknown scope "hii" on TypoResolver.typo (known scopes: hi)',
    );
  });
});

describe('GraphQL on Apollo with its default context (no context option)', () => {
  it('reads the client from req and writes the headers through req.res', async () => {
    const app = await startGraphql('apollo', { throttle: { scopes: { hi: '1/m' } }, resolvers: [HiResolver], defaultContext: true });
    try {
      const [first, second, other] = [
        await app.post('{ hello }'),
        await app.post('{ hello }'),
        await app.post('{ hello }', { from: CLIENT_B }),
      ];
      expect([
        first.body.data.hello,
        first.headers['ratelimit'],
        second.body.data.hello,
        second.headers['retry-after'],
        other.body.data.hello,
      ]).toEqual(['Hello Hello!', '"hi";r=0;t=60', null, '60', 'Hello Hello!']);
    } finally {
      await app.close();
    }
  });
});
