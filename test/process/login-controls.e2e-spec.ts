import { Client, Pool } from 'undici';
import { DemoProcess, StartedRedis, startDemoProcess, startRedis } from '../../libs/testkit/src';
import { describeRedis } from '../support/redis/harness';

// Issue 21 on the built demo, WORKERS=4 sharing one Redis: POST /login counts failed attempts only
// (5 per 15 minutes per (IP, username), then blocked 15 minutes), and the admin reset lifts a block.
// Measured: of 200 concurrent failed attempts exactly 5 are admitted (401), the rest refused (429);
// the block holds on every worker; a reset takes effect on every worker at its next request.
const ADMIN = 'test-admin-key';
const FLOOD = 200;

type Login = { status: number; retryAfter?: string };

/** One connection, so one worker: its pid (from /health) and the logins it answers. */
class WorkerConnection {
  private constructor(
    readonly client: Client,
    readonly pid: number,
  ) {}
  static async open(url: string): Promise<WorkerConnection> {
    const client = new Client(url);
    const res = await client.request({ method: 'GET', path: '/health' });
    return new WorkerConnection(client, ((await res.body.json()) as { pid: number }).pid);
  }
  login(username: string, password: string): Promise<Login> {
    return postLogin(this.client, username, password);
  }
}

async function postLogin(client: Client | Pool, username: string, password: string): Promise<Login> {
  const res = await client.request({
    method: 'POST',
    path: '/login',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  await res.body.dump();
  return { status: res.statusCode, retryAfter: res.headers['retry-after'] as string | undefined };
}

const tally = (logins: Login[]) => logins.reduce<Record<number, number>>((t, l) => ({ ...t, [l.status]: (t[l.status] ?? 0) + 1 }), {});

describeRedis('POST /login on 4 workers sharing Redis: failures only, blocks, admin reset', () => {
  let redis: StartedRedis;
  let demo: DemoProcess;
  const connections: WorkerConnection[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    demo = await startDemoProcess({
      THROTTLE_STORE: 'redis',
      REDIS_URL: redis.url,
      WORKERS: '4',
      THROTTLE_STORE_TIMEOUT_MS: '2000', // exactness, not timeouts: 4 workers and the flood on 2 cores
      THROTTLE_ADMIN_KEY: ADMIN,
    });
    // Connections are dealt to workers in turn: 16 of them reach every worker.
    for (let i = 0; i < 16; i++) connections.push(await WorkerConnection.open(demo.url));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.client.close()));
    await demo?.stop();
    await redis?.cleanup();
  });

  it('admits exactly 5 of 200 concurrent failed attempts; the block then holds on every worker; a reset lifts it on every worker', async () => {
    expect(new Set(connections.map((c) => c.pid)).size).toBe(4);
    const pool = new Pool(demo.url, { connections: 50 });
    const flood = await Promise.all(Array.from({ length: FLOOD }, () => postLogin(pool, 'ada', 'guess'))).finally(() => pool.close());
    console.log(`failed-login flood on 4 workers: ${JSON.stringify(tally(flood))}`);
    const admitted = tally(flood)[401] ?? 0;
    expect(tally(flood)).toEqual({ 401: 5, 429: FLOOD - 5 });

    const blocked = await Promise.all(connections.map((c) => c.login('ada', 'demo-password')));
    console.log(
      `right password during the block, per worker: ${JSON.stringify(blocked.map((b, i) => [connections[i].pid, b.status, b.retryAfter]))}`,
    );
    expect(blocked.every((b) => b.status === 429 && Number(b.retryAfter) > 890 && Number(b.retryAfter) <= 900)).toBe(true);
    expect((await connections[0].login('bob', 'demo-password')).status).toBe(200); // only (IP, ada) is blocked

    const reset = await connections[1].client.request({
      method: 'DELETE',
      path: `/throttle/login/${encodeURIComponent('127.0.0.1|ada')}`,
      headers: { 'x-admin-key': ADMIN },
    });
    await reset.body.dump();
    expect(reset.statusCode).toBe(204);
    // One login per worker, one after the other (four successes: within the limit even before their refunds).
    const perWorker = [...new Map(connections.map((c) => [c.pid, c])).values()];
    const after: [number, number][] = [];
    for (const c of perWorker) after.push([c.pid, (await c.login('ada', 'demo-password')).status]);
    console.log(`first request after the reset, per worker: ${JSON.stringify(after)}`);
    const held = new Set(connections.filter((_, i) => blocked[i].status === 429).map((c) => c.pid)).size;
    const lifted = after.filter(([, status]) => status === 200).length;
    console.log(
      `summary: ${admitted} of ${FLOOD} concurrent failed attempts admitted; block held on ${held} of 4 workers; reset effective on ${lifted} of 4 workers at their first request`,
    );
    expect(after.map(([, status]) => status)).toEqual([200, 200, 200, 200]);
  });
});
