// A fresh GraphQL app under test: resolvers behind ThrottleModule, a fake clock, on Apollo (Express)
// or Mercurius (Fastify), listening on loopback; queries go as real POST /graphql requests.
import { AddressInfo } from 'node:net';
import { DynamicModule, Type } from '@nestjs/common';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { Test } from '@nestjs/testing';
import { ThrottleClock, ThrottleModule, ThrottleModuleOptions } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { Client } from 'undici';
import { CLIENT_A, HttpResponse, Platform, RunningApp, startApp } from './platforms';

export type GraphqlDriver = 'apollo' | 'mercurius';

/** Every GraphQL driver the library supports with its HTTP platform, for `describe.each(DRIVERS)`. */
export const DRIVERS: readonly (readonly [GraphqlDriver, Platform])[] = [
  ['apollo', 'express'],
  ['mercurius', 'fastify'],
];

export interface GraphqlAppSpec {
  throttle: ThrottleModuleOptions;
  resolvers: Type[];
  /** Default true: `@ResolveField` handlers run guards (GraphQLModule's `fieldResolverEnhancers`). */
  guardFields?: boolean;
  /** Apollo: leave out the `context` option (`@nestjs/apollo` then puts only `req` in the context). */
  defaultContext?: boolean;
}

/** Sends one operation from the loopback address `from` (default {@link CLIENT_A}). */
export type Post = (query: string, options?: { from?: string; headers?: Record<string, string> }) => Promise<HttpResponse>;

export interface GraphqlApp extends RunningApp {
  clock: FakeClock;
  post: Post;
}

/** The GraphQL module of a driver, configured as the README tells an app to. */
export function graphqlModule(driver: GraphqlDriver, guardFields = true, defaultContext = false): DynamicModule {
  const fieldResolverEnhancers = guardFields ? (['guards'] as const) : [];
  if (driver === 'apollo') {
    return GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      autoSchemaFile: true,
      playground: false,
      includeStacktraceInErrorResponses: false, // Apollo adds a stack trace to every error outside production
      ...(defaultContext ? {} : { context: ({ req, res }: { req: unknown; res: unknown }) => ({ req, res }) }),
      fieldResolverEnhancers: [...fieldResolverEnhancers],
    });
  }
  return GraphQLModule.forRoot<MercuriusDriverConfig>({
    driver: MercuriusDriver,
    autoSchemaFile: true,
    graphiql: false,
    cache: false, // mercurius loads its query cache (quick-lru, ESM) by dynamic import, which Jest's VM cannot run
    fieldResolverEnhancers: [...fieldResolverEnhancers],
  });
}

/** Starts the app of `driver`; rejects with the boot error if the module refuses the config. */
export async function startGraphql(driver: GraphqlDriver, spec: GraphqlAppSpec, clock = new FakeClock()): Promise<GraphqlApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [graphqlModule(driver, spec.guardFields, spec.defaultContext), ThrottleModule.forRoot(spec.throttle)],
    providers: spec.resolvers,
  })
    .overrideProvider(ThrottleClock)
    .useValue(clock)
    .compile();
  const running = await startApp(moduleRef, driver === 'apollo' ? 'express' : 'fastify');
  const { port } = running.app.getHttpServer().address() as AddressInfo;
  const clients = new Map<string, Client>(); // one keep-alive connection per source address
  const clientFrom = (from: string) => {
    let client = clients.get(from);
    if (client === undefined) clients.set(from, (client = new Client(`http://127.0.0.1:${port}`, { localAddress: from })));
    return client;
  };
  return {
    ...running,
    clock,
    post: (query, options = {}) => postGraphql(clientFrom(options.from ?? CLIENT_A), query, options.headers),
    close: async () => {
      await Promise.all([...clients.values()].map((client) => client.close()));
      await running.close();
    },
  };
}

/** POSTs `{ query }` to /graphql; the body is parsed JSON, header names are lower-cased. */
export async function postGraphql(client: Client, query: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  const res = await client.request({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const text = await res.body.text();
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(res.headers)) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return { status: res.statusCode, headers: flat, body: JSON.parse(text) };
}

/** The error a client receives for a refused field at `path`, on every driver. */
export const throttled = (path: (string | number)[], retryAfter: number, scope = 'hi', column = 3) => ({
  message: `Request was throttled. Expected available in ${retryAfter} seconds.`,
  locations: [{ line: 1, column }],
  path,
  extensions: { code: 'TOO_MANY_REQUESTS', scope, retryAfter },
});
