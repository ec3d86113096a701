// WebSocket gateways under @ThrottleScope, on socket.io and ws over Fastify and Express, with real
// clients: keyed by the connection's address (after proxy trust on the handshake) or a function of the
// client; a refused message gets an `exception` event and the connection stays open.
import { UseGuards } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { ThrottleGuard, ThrottleModuleOptions, ThrottleScope, ThrottleStorage, ThrottleStoreUnavailableError } from 'nest-scoped-throttle';
import { CLIENT_B } from '../support/apps/platforms';
import { startWs, TRANSPORTS, WsApp } from '../support/apps/ws-app';

@UseGuards(ThrottleGuard) // Nest applies no global guard to gateways
@WebSocketGateway({ path: '/ws' })
class ChatGateway {
  @WebSocketServer() server: unknown; // with the ws adapter, lets the throttle keep each client's upgrade request

  @ThrottleScope('chat') @SubscribeMessage('say') say(@MessageBody() text: string) {
    return { event: 'said', data: text };
  }

  @UseGuards(ThrottleGuard) // on the class and the handler: one decision per message
  @ThrottleScope('chat')
  @SubscribeMessage('shout')
  shout(@MessageBody() text: string) {
    return { event: 'said', data: text.toUpperCase() };
  }

  @SubscribeMessage('ping') ping() {
    return { event: 'pong', data: null };
  }
}

const refused = (retryAfter: number) => ({
  event: 'exception',
  data: { status: 'error', message: `Message was throttled. Expected available in ${retryAfter} seconds.`, scope: 'chat', retryAfter },
});
const said = (text: string) => ({ event: 'said', data: text });

describe.each(TRANSPORTS)('WebSockets on %s over %s', (transport, platform) => {
  let app: WsApp | undefined;
  const start = async (throttle: ThrottleModuleOptions, gateways: Function[] = [ChatGateway]) =>
    (app = await startWs(transport, platform, { throttle, gateways: gateways as any }));
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('admits up to the limit, answers a refused message with an exception event (scope, retryAfter), and keeps the connection open', async () => {
    const a = await start({ scopes: { chat: '2/m' } });
    const client = await a.connect();
    expect([await client.ask('say', 'a'), await client.ask('say', 'b')]).toEqual([said('a'), said('b')]);
    a.clock.advance(3_000);
    expect(await client.ask('say', 'c')).toEqual(refused(57));
    expect([client.open, await client.ask('ping')]).toEqual([true, { event: 'pong', data: null }]);
    a.clock.advance(57_000);
    expect(await client.ask('say', 'd')).toEqual(said('d'));
  });

  it('a handler guarded on its class and itself is decided once per message', async () => {
    const a = await start({ scopes: { chat: '2/m' } });
    const client = await a.connect();
    expect([await client.ask('shout', 'a'), await client.ask('shout', 'b'), await client.ask('shout', 'c')]).toEqual([
      said('A'),
      said('B'),
      refused(60),
    ]);
  });

  it('keys by the connection address: connections from one address share a quota, another address has its own', async () => {
    const a = await start({ scopes: { chat: '1/m' } });
    const [first, second, other] = [await a.connect(), await a.connect(), await a.connect({ from: CLIENT_B })];
    expect([await first.ask('say', '1'), await second.ask('say', '2'), await other.ask('say', '3')]).toEqual([
      said('1'),
      refused(60),
      said('3'),
    ]);
  });

  it('applies proxy trust to the handshake: X-Forwarded-For read behind one trusted hop', async () => {
    const a = await start({ scopes: { chat: '1/m' }, trustProxy: 1 });
    const via = (xff: string) => a.connect({ headers: { 'x-forwarded-for': xff } });
    const [spoofed, same, other] = [await via('9.9.9.9, 1.1.1.1'), await via('8.8.8.8, 1.1.1.1'), await via('1.1.1.2')];
    expect([await spoofed.ask('say', '1'), await same.ask('say', '2'), await other.ask('say', '3')]).toEqual([
      said('1'),
      refused(60),
      said('3'),
    ]);
  });

  it('keys by the handshake query (query:) or by a function of the client', async () => {
    const a = await start({ scopes: { chat: { rate: '1/m', key: 'query:room' } } });
    const [red, red2, blue] = [
      await a.connect({ path: '/ws?room=red' }),
      await a.connect({ path: '/ws?room=red' }),
      await a.connect({ path: '/ws?room=blue' }),
    ];
    expect([await red.ask('say', '1'), await red2.ask('say', '2'), await blue.ask('say', '3')]).toEqual([
      said('1'),
      refused(60),
      said('3'),
    ]);
    await a.close();

    const ids = new WeakMap<object, number>(); // a distinct id per connection
    let connections = 0;
    const perConnection = (_request: unknown, context: any) => {
      const client = context.switchToWs().getClient();
      if (!ids.has(client)) ids.set(client, ++connections);
      return ids.get(client);
    };
    const b = await start({ scopes: { chat: { rate: '1/m', key: perConnection } } });
    const [one, two] = [await b.connect(), await b.connect()];
    expect([await one.ask('say', '1'), await one.ask('say', '2'), await two.ask('say', '3')]).toEqual([said('1'), refused(60), said('3')]);
  });

  it('the deny store-error policy refuses a message with an exception event naming the store', async () => {
    class UnavailableStorage extends ThrottleStorage {
      consume(): Promise<never> {
        return Promise.reject(new ThrottleStoreUnavailableError('redis down'));
      }
    }
    const a = await start({ scopes: { chat: '1/m' }, storage: new UnavailableStorage() });
    const client = await a.connect();
    expect(await client.ask('say', 'a')).toEqual({
      event: 'exception',
      data: { status: 'error', message: 'Rate limit store unavailable; request refused (onStoreError: deny). Retry shortly.' },
    });
  });

  it('refuses to boot on an unknown scope on a gateway, listing the known ones', async () => {
    @WebSocketGateway({ path: '/ws' })
    class TypoGateway {
      @ThrottleScope('chatt') @SubscribeMessage('say') say() {
        return null;
      }
    }
    await expect(start({ scopes: { chat: '1/m' } }, [TypoGateway])).rejects.toThrow(
      'unknown scope "chatt" on TypoGateway.say (known scopes: chat)',
    );
  });
});
