// Issue 21, counting by outcome on GraphQL (Apollo, Mercurius) and WebSockets (socket.io, ws) on the
// memory store: a field whose resolver throws, a message whose handler throws, counts as failed; the
// unit is reserved at admission and given back after a success, so successes are free and concurrent
// failures never exceed the limit.
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottleModuleOptions, ThrottleOutcome } from 'nest-scoped-throttle';
import { DRIVERS, GraphqlApp, startGraphql } from '../support/apps/graphql-app';
import {
  Answer,
  AppWideLoginResolver,
  graphqlFlood,
  graphqlLogin,
  isThrottled,
  LoginGateway,
  LoginResolver,
  wsFlood,
} from '../support/apps/outcome-app';
import { startWs, TRANSPORTS, WsApp } from '../support/apps/ws-app';

const failures: ThrottleModuleOptions = { scopes: { login: { rate: '5/15m', count: 'failures' } } };
const serverErrors: ThrottleModuleOptions = { scopes: { login: { rate: '5/15m', countIf: (status) => status >= 500 } } };
const tally = (answers: Answer[]) => ({
  ok: answers.filter((a) => a === 'ok').length,
  failed: answers.filter((a) => a === 'failed').length,
  throttled: answers.filter((a) => a === 'throttled').length,
});

describe.each(DRIVERS)('count by outcome on GraphQL, %s over %s', (driver) => {
  let app: GraphqlApp | undefined;
  const start = async (throttle: ThrottleModuleOptions) => (app = await startGraphql(driver, { throttle, resolvers: [LoginResolver] }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('count: failures: successes are free; of 20 concurrent failed calls 5 are admitted, then the client is refused', async () => {
    const a = await start(failures);
    for (let i = 0; i < 8; i++) expect(await graphqlLogin(a, 'good')).toBe('ok');
    expect(tally(await graphqlFlood([a], 'bad', 20))).toEqual({ ok: 0, failed: 5, throttled: 15 });
    expect([await graphqlLogin(a, 'good'), a.app.get(LoginResolver).failures]).toEqual(['throttled', 5]);
  });

  it('countIf sees a thrown HttpException as its status (401: free) and any other error as 500', async () => {
    const a = await start(serverErrors);
    for (let i = 0; i < 8; i++) expect(await graphqlLogin(a, 'bad')).toBe('failed');
    expect(tally(await graphqlFlood([a], 'boom', 8))).toEqual({ ok: 0, failed: 5, throttled: 3 });
  });

  it('ThrottleOutcome registered app-wide (APP_INTERCEPTOR) settles resolvers that do not name it', async () => {
    const appWide = { provide: APP_INTERCEPTOR, useExisting: ThrottleOutcome };
    app = await startGraphql(driver, { throttle: failures, resolvers: [AppWideLoginResolver, appWide as any] });
    for (let i = 0; i < 8; i++) expect(await graphqlLogin(app, 'good')).toBe('ok');
    expect(tally(await graphqlFlood([app], 'bad', 8))).toEqual({ ok: 0, failed: 5, throttled: 3 });
  });
});

describe.each(TRANSPORTS)('count by outcome on WebSockets, %s over %s', (transport, platform) => {
  let app: WsApp | undefined;
  const start = async (throttle: ThrottleModuleOptions) =>
    (app = await startWs(transport, platform, { throttle, gateways: [LoginGateway] }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('count: failures: successes are free; of 20 failed messages sent at once 5 run, then the client is refused', async () => {
    const a = await start(failures);
    const client = await a.connect();
    for (let i = 0; i < 8; i++) expect(await client.ask('login', 'good')).toEqual({ event: 'welcome', data: 'welcome' });
    const events = await wsFlood(client, transport, 20, 15);
    expect(events.filter(isThrottled).length).toBe(15);
    expect(isThrottled(await client.ask('login', 'good'))).toBe(true);
    expect(a.app.get(LoginGateway).failures).toBe(5);
  });
});
