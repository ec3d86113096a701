// Issue 21, counting by outcome on GraphQL and WebSockets over a shared Redis: two apps ("workers") give
// a success's unit back in Redis, and concurrent failed calls through either admit exactly the limit.
import { ThrottleModuleOptions, ThrottleService } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { RedisServer, startRedis, waitFor } from '../../libs/testkit/src';
import { describeRedis, filePrefix } from '../support/redis/harness';
import { CLIENT_A } from '../support/apps/platforms';
import { GraphqlApp, startGraphql } from '../support/apps/graphql-app';
import { graphqlFlood, graphqlLogin, isThrottled, LoginGateway, LoginResolver, wsFlood } from '../support/apps/outcome-app';
import { startWs, WsApp, WsTransport } from '../support/apps/ws-app';

describeRedis('count by outcome on GraphQL and WebSockets over a shared Redis', () => {
  let server: RedisServer & { cleanup(): Promise<void> };
  const running: (GraphqlApp | WsApp)[] = [];
  beforeAll(async () => (server = await startRedis()));
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });
  afterAll(() => server?.cleanup());
  const options = (test: string): ThrottleModuleOptions => ({
    scopes: { login: { rate: '5/15m', count: 'failures' } },
    redis: { url: server.url },
    keyPrefix: filePrefix(`outcome-${test}`),
  });
  /** Waits until the refunds of the successes so far reached Redis (the next login would leave 4). */
  const refunded = (app: GraphqlApp | WsApp) =>
    waitFor('refund in Redis', async () => (await app.app.get(ThrottleService).check('login', CLIENT_A)).remaining === 4);

  it('Apollo and Mercurius apps: successes free on both, 20 concurrent failed queries admit exactly 5', async () => {
    const clock = new FakeClock(); // the Redis script runs on the fake clock's time, shared by both apps
    const throttle = options('graphql');
    const apps = [
      await startGraphql('apollo', { throttle, resolvers: [LoginResolver] }, clock),
      await startGraphql('mercurius', { throttle, resolvers: [LoginResolver] }, clock),
    ];
    running.push(...apps);
    for (let i = 0; i < 8; i++) {
      expect(await graphqlLogin(apps[i % 2], 'good')).toBe('ok');
      await refunded(apps[0]);
    }
    const answers = await graphqlFlood(apps, 'bad', 20);
    expect([answers.filter((a) => a === 'failed').length, answers.filter((a) => a === 'throttled').length]).toEqual([5, 15]);
    expect(apps.map((a) => a.app.get(LoginResolver).failures).reduce((x, y) => x + y)).toBe(5);
    expect([await graphqlLogin(apps[0], 'good'), await graphqlLogin(apps[1], 'good')]).toEqual(['throttled', 'throttled']);
  });

  it.each(['socket.io', 'ws'] as WsTransport[])(
    '%s apps over Fastify and Express: successes free on both, 20 failed messages at once admit exactly 5',
    async (transport) => {
      const clock = new FakeClock();
      const throttle = options(`ws-${transport}`);
      const apps = [
        await startWs(transport, 'fastify', { throttle, gateways: [LoginGateway] }, clock),
        await startWs(transport, 'express', { throttle, gateways: [LoginGateway] }, clock),
      ];
      running.push(...apps);
      const clients = [await apps[0].connect(), await apps[1].connect()];
      for (let i = 0; i < 8; i++) {
        expect(await clients[i % 2].ask('login', 'good')).toEqual({ event: 'welcome', data: 'welcome' });
        await refunded(apps[0]);
      }
      const events = await wsFlood(clients[0], transport, 20, 15);
      expect(events.filter(isThrottled).length).toBe(15);
      expect(isThrottled(await clients[1].ask('login', 'good'))).toBe(true);
      expect(apps[0].app.get(LoginGateway).failures).toBe(5);
    },
  );
});
