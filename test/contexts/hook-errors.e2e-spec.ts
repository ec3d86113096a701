// Issue 17 #2 in the other contexts: a key function that throws is that call's own error (a GraphQL
// field error, a WebSocket exception event) and one log line naming the hook and the scope; the
// process, the operation's other fields and the connection carry on.
import { Logger, UseGuards } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { ThrottleGuard, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { DRIVERS, GraphqlApp, startGraphql } from '../support/apps/graphql-app';
import { startWs, TRANSPORTS, WsApp } from '../support/apps/ws-app';

const throttle: ThrottleModuleOptions = {
  scopes: {
    broken: {
      rate: '5/hour',
      key: () => {
        throw new Error('boom');
      },
    },
  },
};

@Resolver()
class BrokenResolver {
  @ThrottleScope('broken') @Query(() => String, { nullable: true }) hello() {
    return 'Hello Hello!';
  }
  @Query(() => String) free() {
    return 'free';
  }
}

@UseGuards(ThrottleGuard)
@WebSocketGateway({ path: '/ws' })
class BrokenGateway {
  @WebSocketServer() server: unknown;
  @ThrottleScope('broken') @SubscribeMessage('say') say() {
    return { event: 'said', data: 'ok' };
  }
  @SubscribeMessage('ping') ping() {
    return { event: 'pong', data: null };
  }
}

let errors: jest.SpyInstance;
beforeEach(() => {
  errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());
const hookLines = () => errors.mock.calls.filter(([line]) => /key of scope "broken" threw: boom/.test(String(line)));

describe.each(DRIVERS)('issue 17 #2: a throwing key function in GraphQL on %s (%s)', (driver) => {
  let app: GraphqlApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is that field’s INTERNAL_SERVER_ERROR and one log line; the other fields resolve', async () => {
    app = await startGraphql(driver, { throttle, resolvers: [BrokenResolver] });
    const res = await app.post('{ hello free }');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ hello: null, free: 'free' });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(hookLines()).toHaveLength(1);
  });
});

describe.each(TRANSPORTS)('issue 17 #2: a throwing key function in WebSockets on %s over %s', (transport, platform) => {
  let app: WsApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is that message’s exception event and one log line; the connection stays open', async () => {
    app = await startWs(transport, platform, { throttle, gateways: [BrokenGateway] });
    const client = await app.connect();
    expect(await client.ask('say')).toEqual({ event: 'exception', data: { status: 'error', message: 'Internal server error' } });
    expect([client.open, await client.ask('ping')]).toEqual([true, { event: 'pong', data: null }]);
    expect(hookLines()).toHaveLength(1);
  });
});
