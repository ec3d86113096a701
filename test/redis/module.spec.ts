import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Logger } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  RedisThrottleStorage,
  ThrottleClock,
  ThrottleModule,
  ThrottleModuleOptions,
  ThrottleScope,
  ThrottleStorage,
} from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { freePort, RedisServer, startRedis, waitFor } from '../../libs/testkit/src';
import { ResilientThrottleStorage } from '../../libs/throttle/src/storage/resilient/resilient.storage';
import { describeRedis, filePrefix } from '../support/redis/harness';

// The module wiring: `redis` options create, connect and quit the client; boot survives a missing Redis.
const keyPrefix = filePrefix('module');

@ThrottleScope('hi')
@Controller()
class HiController {
  @Get('hi') hi() {
    return { msg: 'Hello Hello!' };
  }
}

async function boot(options: Partial<ThrottleModuleOptions>, clock?: FakeClock): Promise<NestFastifyApplication> {
  let builder = Test.createTestingModule({
    imports: [ThrottleModule.forRoot({ scopes: { hi: '2/m' }, keyPrefix, ...options })],
    controllers: [HiController],
  });
  if (clock) builder = builder.overrideProvider(ThrottleClock).useValue(clock);
  const app = (await builder.compile()).createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
const get = (app: NestFastifyApplication) => app.inject({ method: 'GET', url: '/hi' });
const resilient = (app: NestFastifyApplication) => app.get(ThrottleStorage) as ResilientThrottleStorage;
const redisOf = (app: NestFastifyApplication) => (resilient(app).primary as RedisThrottleStorage).client;

describeRedis('ThrottleModule with redis options', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let raw: Redis;
  beforeAll(async () => {
    server = await startRedis();
    raw = new Redis({ port: server.port, lazyConnect: true });
    await raw.connect();
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.cleanup();
  });

  it('decides through Redis with redis.url (module-owned client), and quits the client on close', async () => {
    const clock = new FakeClock();
    const app = await boot({ redis: { url: server.url } }, clock);
    try {
      expect(resilient(app).health()).toEqual({
        store: 'redis',
        state: 'ok',
        status: 'ready',
        node: `127.0.0.1:${server.port}`,
        circuit: 'closed',
        policy: 'local',
      });
      expect((await get(app)).statusCode).toBe(200);
      expect((await get(app)).headers['ratelimit']).toBe('"hi";r=0;t=60');
      const refused = await get(app);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('60');
      expect(await raw.keys(`${keyPrefix}hi:{*}`)).toHaveLength(1);
      clock.advance(60_000);
      expect((await get(app)).statusCode).toBe(200);
    } finally {
      const client = redisOf(app);
      await app.close();
      expect(client.status).toBe('end');
    }
  });

  it('uses an app-owned client with its own keyPrefix and leaves it open on close', async () => {
    const client = new Redis({ port: server.port, keyPrefix: 'app-owned:', enableOfflineQueue: false, lazyConnect: true });
    await client.connect();
    const app = await boot({ redis: { client } });
    expect((await get(app)).statusCode).toBe(200);
    await app.close();
    expect(client.status).toBe('ready');
    expect(await raw.keys('app-owned:hi:{*}')).toHaveLength(1);
    expect(await raw.keys(`${keyPrefix}*`)).toHaveLength(1); // only the previous test's key
    client.disconnect();
  });

  it('refuses to boot on a bad URL, naming the option, without connecting anywhere', async () => {
    const error = await boot({ redis: { url: 'xyz' } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^Invalid throttle config: redis\.url "xyz" is not a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('boots with no cluster node reachable, logs one line, and serves under the local policy', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const port = await freePort();
    const app = await boot({ redis: { clusterNodes: [`127.0.0.1:${port}`] }, storeBootTimeoutMs: 500 });
    try {
      expect(warn.mock.calls.map(([m]) => String(m))).toEqual([
        `Redis store cluster 127.0.0.1:${port} unavailable (no cluster node reachable, not ready after 500 ms at boot): falling back to local limits (per process)`,
      ]);
      expect([(await get(app)).statusCode, (await get(app)).statusCode, (await get(app)).statusCode]).toEqual([200, 200, 429]);
    } finally {
      await app.close();
      warn.mockRestore();
    }
  });

  it('boots with Redis unreachable, logs one line, limits per process, and shares again once Redis is up', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'throttle-late-'));
    const late = new RedisServer(port, dir);
    const app = await boot({ redis: { url: `redis://127.0.0.1:${port}/0` }, storeBootTimeoutMs: 500 });
    try {
      const lines = warn.mock.calls.map(([message]) => String(message));
      expect(lines).toEqual([
        `Redis store redis://127.0.0.1:${port}/0 unavailable (ECONNREFUSED, not ready after 500 ms at boot): falling back to local limits (per process)`,
      ]);
      expect(resilient(app).health()).toMatchObject({ state: 'degraded', circuit: 'open' });
      expect([(await get(app)).statusCode, (await get(app)).statusCode, (await get(app)).statusCode]).toEqual([200, 200, 429]);
      await late.start();
      // No request: the client's ready (script loaded again) closes the circuit by itself.
      await waitFor('shared limits to resume', () => resilient(app).health().state === 'ok', 2_000);
      expect(log.mock.calls.map(([m]) => String(m))).toContain(
        `Redis store redis://127.0.0.1:${port}/0 back (connection ready): shared limits resumed`,
      );
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      await app.close();
      await late.stop();
      rmSync(dir, { recursive: true, force: true });
      warn.mockRestore();
      log.mockRestore();
    }
  });
});
