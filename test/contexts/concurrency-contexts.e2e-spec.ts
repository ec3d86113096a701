// Issue 22 on GraphQL (Apollo, Mercurius) and WebSockets (socket.io, ws), memory store: a field call or
// a message handler in flight holds a lease, given back by the ThrottleOutcome interceptor when its
// handler settles. Three slow fields in one operation, or three messages sent at once: two run, one is refused.
import { INestApplication, UseGuards, UseInterceptors } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { PressureProbe, ThrottleGuard, ThrottleModuleOptions, ThrottleOutcome, ThrottleScope } from 'nest-scoped-throttle';
import { waitFor } from '../../libs/testkit/src';
import { DRIVERS, GraphqlApp, startGraphql } from '../support/apps/graphql-app';
import { startWs, TRANSPORTS, WsApp, WsEvent } from '../support/apps/ws-app';

let gate: Promise<void> = Promise.resolve();
let open: () => void = () => undefined;
let running = 0;
const slow = async (answer: string) => {
  running++;
  await gate;
  running--;
  return answer;
};

@UseInterceptors(ThrottleOutcome)
@Resolver()
class ExportResolver {
  @ThrottleScope('export') @Query(() => String, { nullable: true }) report() {
    return slow('done');
  }
}

@UseGuards(ThrottleGuard)
@UseInterceptors(ThrottleOutcome)
@WebSocketGateway({ path: '/ws' })
class ExportGateway {
  @WebSocketServer() server: unknown;
  @ThrottleScope('export') @SubscribeMessage('export') async export(@MessageBody() n: number) {
    return { event: 'exported', data: await slow(String(n)) };
  }
}

const throttle: ThrottleModuleOptions = { scopes: { export: { concurrency: 2 } } };
/** Shedding on, `export` low priority; the test drives the app's probe (its `pressure`) past the threshold. */
const shedding: ThrottleModuleOptions = { scopes: { export: { concurrency: 2, priority: 'low' } }, shed: { eventLoopUtilization: 0.9 } };
const overloaded = (app: INestApplication) =>
  jest.spyOn(app.get(PressureProbe), 'pressure').mockReturnValue({ eventLoopUtilization: 0.95, eventLoopDelayMs: 0 });
beforeEach(() => {
  running = 0;
  gate = new Promise((resolve) => (open = resolve));
});
afterEach(() => open());

describe.each(DRIVERS)('concurrency on GraphQL, %s over %s', (driver) => {
  let app: GraphqlApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('three slow fields of one operation: two run, one is refused; the leases come back when the fields settle', async () => {
    app = await startGraphql(driver, { throttle, resolvers: [ExportResolver] });
    const answer = app.post('{ a: report b: report c: report }');
    await waitFor('two fields running', () => running === 2);
    open();
    const { body } = await answer;
    expect(Object.values(body.data).sort()).toEqual(['done', 'done', null]);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_REQUESTS', scope: 'export' });
    expect((await app.post('{ a: report b: report }')).body.data).toEqual({ a: 'done', b: 'done' });
  });

  it('a field of a low-priority scope is shed under load: SERVICE_UNAVAILABLE with its priority', async () => {
    app = await startGraphql(driver, { throttle: shedding, resolvers: [ExportResolver] });
    overloaded(app.app);
    const { body } = await app.post('{ report }');
    expect(body.data).toEqual({ report: null });
    expect(body.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', priority: 'low', retryAfter: 1 });
  });
});

describe.each(TRANSPORTS)('concurrency on WebSockets, %s over %s', (transport, platform) => {
  let app: WsApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('three slow messages at once: two run, the third is refused; the leases come back when the handlers settle', async () => {
    app = await startWs(transport, platform, { throttle, gateways: [ExportGateway] });
    const client = await app.connect();
    [1, 2, 3].forEach((n) => client.send('export', n));
    const refused = await client.next();
    expect(refused).toMatchObject({ event: 'exception', data: { scope: 'export' } });
    expect(running).toBe(2);
    open();
    const answered: WsEvent[] = [await client.next(), await client.next()];
    expect(answered.map((e) => e.event)).toEqual(['exported', 'exported']);
    expect([await client.ask('export', 4), await client.ask('export', 5)]).toEqual([
      { event: 'exported', data: '4' },
      { event: 'exported', data: '5' },
    ]);
    client.close();
  });

  it('a message of a low-priority scope is shed under load: an exception naming its priority', async () => {
    app = await startWs(transport, platform, { throttle: shedding, gateways: [ExportGateway] });
    overloaded(app.app);
    const client = await app.connect();
    open();
    expect(await client.ask('export', 1)).toMatchObject({ event: 'exception', data: { status: 'error', priority: 'low', retryAfter: 1 } });
    client.close();
  });
});
