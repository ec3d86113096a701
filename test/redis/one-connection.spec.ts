import { Controller, Get } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { RedisStoreOptions, ThrottleModule, ThrottleScope } from 'nest-scoped-throttle';
import { describeRedis, filePrefix } from '../support/redis/harness';
import { startRedis } from '../../libs/testkit/src';

// Connection hygiene: one Redis connection per process, shared by every scope and route (counted
// by the server, CLIENT LIST), and an app's own client is used as the only one.
const keyPrefix = filePrefix('one-connection');

@Controller()
class ScopesController {
  @ThrottleScope('a') @Get('a') a() {
    return 'a';
  }
  @ThrottleScope('b') @Get('b') b() {
    return 'b';
  }
  @ThrottleScope('a', 'c') @Get('ac') ac() {
    return 'ac';
  }
}

async function boot(redis: RedisStoreOptions): Promise<NestFastifyApplication> {
  const module = await Test.createTestingModule({
    imports: [ThrottleModule.forRoot({ scopes: { a: '100/m', b: '100/m', c: { rate: '100/m', key: 'header:x-user' } }, keyPrefix, redis })],
    controllers: [ScopesController],
  }).compile();
  const app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describeRedis('one Redis connection per process', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis({ port: server.port, lazyConnect: true });
    await admin.connect();
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.cleanup();
  });
  /** Connections to the server other than the admin's own. */
  const others = async () => {
    const list = String(await admin.client('LIST'))
      .trim()
      .split('\n');
    const id = String(await admin.client('ID'));
    return list.filter((line) => !line.startsWith(`id=${id} `));
  };
  const hitEveryRoute = async (app: NestFastifyApplication) => {
    for (let i = 0; i < 10; i++) {
      for (const url of ['/a', '/b', '/ac']) {
        expect((await app.inject({ method: 'GET', url, headers: { 'x-user': `u${i}` } })).statusCode).toBe(200);
      }
    }
  };

  it('the module-owned client: one connection for every scope and route', async () => {
    const app = await boot({ url: server.url });
    try {
      await hitEveryRoute(app);
      expect(await others()).toHaveLength(1);
      expect(await admin.keys(`${keyPrefix}*`)).toHaveLength(1 + 1 + 10); // a and b by IP, c by user
    } finally {
      await app.close();
    }
    expect(await others()).toHaveLength(0);
  });

  it("the app's own client (redis.client): the store adds no connection of its own", async () => {
    const client = new Redis({ port: server.port, enableOfflineQueue: false, lazyConnect: true, keyPrefix });
    await client.connect();
    const app = await boot({ client });
    try {
      await hitEveryRoute(app);
      await client.set('app-key', '1'); // the app keeps using it
      expect(await others()).toHaveLength(1);
    } finally {
      await app.close();
      client.disconnect();
    }
  });
});
