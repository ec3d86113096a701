// What an app gets wrong when wiring WebSocket gateways, and what the library says about it: a gateway
// without @UseGuards(ThrottleGuard) (Nest applies no global guard to gateways), and, on the ws adapter,
// a gateway without a @WebSocketServer() property (no upgrade request to read identities from), and a
// gateway counting by outcome without the ThrottleOutcome interceptor (no global interceptor reaches it).
import { Logger, UseGuards } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { ThrottleGuard, ThrottleScope } from 'nest-scoped-throttle';
import { CLIENT_B, PLATFORMS } from '../support/apps/platforms';
import { LoginGateway } from '../support/apps/outcome-app';
import { startWs, WsApp } from '../support/apps/ws-app';

@WebSocketGateway({ path: '/ws' })
class UnguardedGateway {
  @ThrottleScope('chat') @SubscribeMessage('say') say(@MessageBody() text: string) {
    return { event: 'said', data: text };
  }
}

@UseGuards(ThrottleGuard)
@WebSocketGateway({ path: '/ws' })
class ServerlessGateway {
  @ThrottleScope('chat') @SubscribeMessage('say') say(@MessageBody() text: string) {
    return { event: 'said', data: text };
  }
}

@UseGuards(ThrottleGuard)
@WebSocketGateway({ path: '/ws' })
class UncountedGateway {
  @ThrottleScope('login') @SubscribeMessage('login') login() {
    return { event: 'welcome', data: 'welcome' };
  }
}

const said = (text: string) => ({ event: 'said', data: text });

describe.each(PLATFORMS)('WebSocket setup mistakes over %s', (platform) => {
  let app: WsApp | undefined;
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await app?.close();
    app = undefined;
  });

  it('a gateway under @ThrottleScope without @UseGuards(ThrottleGuard) is named in a boot warning (and is not throttled)', async () => {
    app = await startWs('socket.io', platform, { throttle: { scopes: { chat: '1/m' } }, gateways: [UnguardedGateway] });
    expect(warnings).toEqual([
      'UnguardedGateway.say is under @ThrottleScope but not throttled: Nest applies no global guard to WebSocket gateways; add @UseGuards(ThrottleGuard) to UnguardedGateway',
    ]);
    const client = await app.connect();
    expect([await client.ask('say', '1'), await client.ask('say', '2')]).toEqual([said('1'), said('2')]);
  });

  it('ws adapter, no @WebSocketServer(): clients are keyed by their socket peer address, with one warning saying how to fix it', async () => {
    app = await startWs('ws', platform, { throttle: { scopes: { chat: '1/m' } }, gateways: [ServerlessGateway] });
    const [a, a2, b] = [await app.connect(), await app.connect(), await app.connect({ from: CLIENT_B })];
    const answers = [await a.ask('say', '1'), await a2.ask('say', '2'), await b.ask('say', '3')];
    expect(answers.map((e) => e.event)).toEqual(['said', 'exception', 'said']);
    expect(warnings).toEqual([
      expect.stringContaining('a ws client came without its upgrade request: give its gateway a @WebSocketServer() property'),
    ]);
  });

  it('a gateway under a scope counting by outcome without @UseInterceptors(ThrottleOutcome) is named in a boot warning', async () => {
    const throttle = { scopes: { login: { rate: '5/m', count: 'failures' as const } } };
    app = await startWs('socket.io', platform, { throttle, gateways: [UncountedGateway] });
    expect(warnings).toEqual([
      'UncountedGateway.login is under a scope counting by outcome but every message counts: add @UseInterceptors(ThrottleOutcome) to UncountedGateway',
    ]);
    await app.close();
    warnings.length = 0;
    app = await startWs('socket.io', platform, { throttle, gateways: [LoginGateway] });
    expect(warnings).toEqual([]);
  });
});
