// GraphQL and WebSocket decisions on a shared Redis store are as exact as HTTP ones: two apps (two
// "workers", here even on different drivers) flooded concurrently by one client admit exactly the limit.
import { UseGuards } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { ThrottleGuard, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { RedisServer, startRedis } from '../../libs/testkit/src';
import { describeRedis, filePrefix } from '../support/redis/harness';
import { GraphqlApp, startGraphql } from '../support/apps/graphql-app';
import { startWs, WsApp, WsTestClient } from '../support/apps/ws-app';

@Resolver()
class HiResolver {
  @ThrottleScope('hi') @Query(() => String, { nullable: true }) hello() {
    return 'Hello Hello!';
  }
}

@UseGuards(ThrottleGuard)
@WebSocketGateway({ path: '/ws' })
class ChatGateway {
  @WebSocketServer() server: unknown;
  @ThrottleScope('chat') @SubscribeMessage('say') say(@MessageBody() text: string) {
    return { event: 'said', data: text };
  }
}

describeRedis('GraphQL and WebSockets on a shared Redis store', () => {
  let server: RedisServer & { cleanup(): Promise<void> };
  const running: (GraphqlApp | WsApp)[] = [];
  beforeAll(async () => (server = await startRedis()));
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });
  afterAll(() => server?.cleanup());
  const options = (test: string, scopes: ThrottleModuleOptions['scopes']): ThrottleModuleOptions => ({
    scopes,
    redis: { url: server.url },
    keyPrefix: filePrefix(`contexts-${test}`),
  });

  it('40 concurrent queries through Apollo and Mercurius apps sharing Redis admit exactly 7', async () => {
    const clock = new FakeClock(); // the Redis script runs on the fake clock's time, shared by both apps
    const throttle = options('graphql', { hi: '7/m' });
    const apps = [
      await startGraphql('apollo', { throttle, resolvers: [HiResolver] }, clock),
      await startGraphql('mercurius', { throttle, resolvers: [HiResolver] }, clock),
    ];
    running.push(...apps);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => apps[i % 2].post('{ hello }')));
    const admitted = answers.filter((r) => r.body.data.hello === 'Hello Hello!').length;
    const refused = answers.filter((r) => r.body.errors?.[0]?.extensions?.code === 'TOO_MANY_REQUESTS').length;
    expect([admitted, refused]).toEqual([7, 33]);
  });

  it('messages from 6 connections on two socket.io apps sharing Redis, 4 each at once, admit exactly 5', async () => {
    const clock = new FakeClock();
    const throttle = options('ws', { chat: '5/m' });
    const apps = [
      await startWs('socket.io', 'fastify', { throttle, gateways: [ChatGateway] }, clock),
      await startWs('socket.io', 'express', { throttle, gateways: [ChatGateway] }, clock),
    ];
    running.push(...apps);
    const clients: WsTestClient[] = [];
    for (let i = 0; i < 6; i++) clients.push(await apps[i % 2].connect());
    clients.forEach((c) => [1, 2, 3, 4].forEach((n) => c.send('say', String(n))));
    const events = (await Promise.all(clients.map((c) => Promise.all([c.next(), c.next(), c.next(), c.next()])))).flat();
    expect([events.filter((e) => e.event === 'said').length, events.filter((e) => e.event === 'exception').length]).toEqual([5, 19]);
  });
});
