// A GraphQL field's cost (@ThrottleCost) and a GCRA scope, on Apollo (Express) and Mercurius (Fastify).
import { Query, Resolver } from '@nestjs/graphql';
import { ThrottleCost, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { DRIVERS, GraphqlApp, startGraphql, throttled } from '../support/apps/graphql-app';

@Resolver()
class CostlyResolver {
  @ThrottleScope('hi') @ThrottleCost(3) @Query(() => String, { nullable: true }) report() {
    return 'report';
  }
  @ThrottleScope('hi') @Query(() => String, { nullable: true }) hello() {
    return 'Hello Hello!';
  }
}

describe.each(DRIVERS)('GraphQL algorithms and cost on %s (%s)', (driver) => {
  let app: GraphqlApp | undefined;
  const start = async (throttle: ThrottleModuleOptions) => (app = await startGraphql(driver, { throttle, resolvers: [CostlyResolver] }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('a costly field consumes its cost, and a GCRA scope admits its burst', async () => {
    const a = await start({ scopes: { hi: { rate: '4/m', algorithm: 'gcra' } } });
    const res = await a.post('{ r: report h: hello s: hello }');
    expect(res.body.data).toEqual({ r: 'report', h: 'Hello Hello!', s: null });
    expect(res.body.errors).toEqual([throttled(['s'], 15, 'hi', 22)]);
  });
});
