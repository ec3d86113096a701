// Issue 21 on GraphQL and WebSockets: a login resolver and a login gateway counted by outcome (the
// `ThrottleOutcome` interceptor beside the guard), and the flood both suites send: attempts that fail,
// admitted until the limit of counted ones, then refused.
import { UnauthorizedException, UseGuards, UseInterceptors } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { ThrottleGuard, ThrottleOutcome, ThrottleScope } from 'nest-scoped-throttle';
import { GraphqlApp } from './graphql-app';
import { WsApp, WsEvent, WsTransport } from './ws-app';

/** The handlers' outcome by password: `good` succeeds, `bad` throws a 401 (`UnauthorizedException`), `boom` a plain error (500). */
function attempt(seen: { failures: number }, password: string): string {
  if (password === 'good') return 'welcome';
  seen.failures++;
  if (password === 'bad') throw new UnauthorizedException();
  throw new Error('boom');
}

@UseInterceptors(ThrottleOutcome)
@Resolver()
export class LoginResolver {
  /** Failed calls the resolver ran (admitted ones). */
  failures = 0;
  @ThrottleScope('login') @Query(() => String, { nullable: true }) login(@Args('password') password: string) {
    return attempt(this, password);
  }
}

/** The same resolver without `@UseInterceptors`, for an app that registers `ThrottleOutcome` as `APP_INTERCEPTOR`. */
@Resolver()
export class AppWideLoginResolver {
  failures = 0;
  @ThrottleScope('login') @Query(() => String, { nullable: true }) login(@Args('password') password: string) {
    return attempt(this, password);
  }
}

@UseGuards(ThrottleGuard)
@UseInterceptors(ThrottleOutcome)
@WebSocketGateway({ path: '/ws' })
export class LoginGateway {
  @WebSocketServer() server: unknown;
  /** Failed messages the handler ran (admitted ones). */
  failures = 0;
  @ThrottleScope('login') @SubscribeMessage('login') login(@MessageBody() password: string) {
    return { event: 'welcome', data: attempt(this, password) };
  }
}

/** What a GraphQL login answered: `ok`, `failed` (the resolver threw) or `throttled`. */
export type Answer = 'ok' | 'failed' | 'throttled';

/** One GraphQL login through `app`. */
export async function graphqlLogin(app: GraphqlApp, password: string): Promise<Answer> {
  const res = await app.post(`{ login(password: "${password}") }`);
  if (res.body.data?.login === 'welcome') return 'ok';
  return res.body.errors?.[0]?.extensions?.code === 'TOO_MANY_REQUESTS' ? 'throttled' : 'failed';
}

/** `n` concurrent GraphQL logins with `password`, spread over `apps`: their answers. */
export async function graphqlFlood(apps: GraphqlApp[], password: string, n: number): Promise<Answer[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => graphqlLogin(apps[i % apps.length], password)));
}

/** A refused WebSocket message's event. */
export const isThrottled = (e: WsEvent): boolean => e.event === 'exception' && (e.data as { scope?: string })?.scope === 'login';

/**
 * Sends `n` failing logins at once on `client` and waits for the events answering them: on socket.io
 * each message gets one (a refusal, or Nest's `exception` for the handler's error); a `ws` client is sent
 * nothing when the handler throws (Nest's filter cannot reach it), so only the `refused` refusals come.
 */
export async function wsFlood(
  client: Awaited<ReturnType<WsApp['connect']>>,
  transport: WsTransport,
  n: number,
  refused: number,
): Promise<WsEvent[]> {
  for (let i = 0; i < n; i++) client.send('login', 'bad');
  const expected = transport === 'socket.io' ? n : refused;
  const events: WsEvent[] = [];
  for (let i = 0; i < expected; i++) events.push(await client.next());
  return events;
}
