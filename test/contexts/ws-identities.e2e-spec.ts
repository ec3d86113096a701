// Identities read from a WebSocket handshake refuse a header sent twice, as HTTP does: such a client
// is keyed by its IP, so it cannot rotate the second value past its limit.
import { UseGuards } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { ThrottleGuard, ThrottleScope } from 'nest-scoped-throttle';
import { CLIENT_B } from '../support/apps/platforms';
import { startWs, TRANSPORTS, WsApp } from '../support/apps/ws-app';

@UseGuards(ThrottleGuard)
@WebSocketGateway({ path: '/ws' })
class KeyedGateway {
  @WebSocketServer() server: unknown;

  @ThrottleScope('chat') @SubscribeMessage('say') say(@MessageBody() text: string) {
    return { event: 'said', data: text };
  }
}

const said = (text: string) => ({ event: 'said', data: text });

describe.each(TRANSPORTS)('issue 17 #5: WebSocket header keys on %s over %s', (transport, platform) => {
  let app: WsApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('a header sent twice is no identity: rotating the second value keys by IP, as on HTTP', async () => {
    app = await startWs(transport, platform, {
      throttle: { scopes: { chat: { rate: '1/m', key: 'header:x-api-key' } } },
      gateways: [KeyedGateway],
    });
    const rotating = async (second: string) => (await app!.connect({ headers: { 'x-api-key': ['k', second] } })).ask('say', second);
    const first = await rotating('r1');
    const second = await rotating('r2');
    expect(first).toEqual(said('r1'));
    expect(second).toMatchObject({ event: 'exception', data: { scope: 'chat', retryAfter: 60 } }); // one counter: the IP's
    // The key itself, sent once, is a separate identity; so is the IP of another client.
    expect(await (await app.connect({ headers: { 'x-api-key': 'k' } })).ask('say', 'k')).toEqual(said('k'));
    expect(await (await app.connect({ headers: { 'x-api-key': ['k', 'r3'] }, from: CLIENT_B })).ask('say', 'b')).toEqual(said('b'));
  });
});
