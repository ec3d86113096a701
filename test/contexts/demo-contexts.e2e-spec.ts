// The demo's GraphQL endpoint (Mercurius, /graphql) and socket.io gateway (/ws) share the `hi` scope
// with GET /hi: one counter per client, whatever the transport.
import { AddressInfo } from 'node:net';
import { io, Socket } from 'socket.io-client';
import { DemoUnderTest, startDemo } from '../support/apps/demo-app';
import { DEADLINE_MS } from '../support/apps/ws-app';

/** The next `event` on `socket`, within the deadline. */
function nextEvent(socket: Socket, event: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" within ${DEADLINE_MS} ms`)), DEADLINE_MS);
    socket.once(event, (data: unknown) => (clearTimeout(timer), resolve(data)));
  });
}

describe('demo app: GraphQL and WebSockets', () => {
  let demo: DemoUnderTest | undefined;
  let socket: Socket | undefined;
  afterEach(async () => {
    socket?.disconnect();
    await demo?.app.close();
  });
  const hello = () => demo!.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ hello }' } });

  it('POST /graphql { hello } and the /ws message "hi" count against the hi scope with GET /hi', async () => {
    demo = await startDemo({ THROTTLE_RATES: 'hi=3/s' });
    await demo.app.listen(0, '127.0.0.1');
    const { port } = demo.app.getHttpServer().address() as AddressInfo;
    socket = io(`http://127.0.0.1:${port}`, { path: '/ws', transports: ['websocket'], reconnection: false });
    await nextEvent(socket, 'connect');

    expect((await demo.app.inject({ method: 'GET', url: '/hi' })).statusCode).toBe(200);
    const admitted = await hello();
    expect([admitted.statusCode, admitted.json(), admitted.headers['ratelimit']]).toEqual([
      200,
      { data: { hello: 'Hello Hello!' } },
      '"hi";r=1;t=1',
    ]);
    socket.emit('hi');
    expect(await nextEvent(socket, 'hi')).toEqual({ msg: 'Hello Hello!' });

    const refused = await hello();
    expect([refused.statusCode, refused.headers['retry-after']]).toEqual([200, '1']);
    expect(refused.json()).toEqual({
      data: { hello: null },
      errors: [
        {
          message: 'Request was throttled. Expected available in 1 second.',
          locations: [{ line: 1, column: 3 }],
          path: ['hello'],
          extensions: { code: 'TOO_MANY_REQUESTS', scope: 'hi', retryAfter: 1 },
        },
      ],
    });
    socket.emit('hi');
    expect(await nextEvent(socket, 'exception')).toEqual({
      status: 'error',
      message: 'Message was throttled. Expected available in 1 second.',
      scope: 'hi',
      retryAfter: 1,
    });
    expect(socket.connected).toBe(true);
  });
});
