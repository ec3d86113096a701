// Issue 21: what each ThrottleService call does while Redis is down. check and consume follow
// onStoreError as a request does; refund, reset and block change shared state no local store can stand
// in for, so they throw ThrottleStoreUnavailableError (nothing changed).
import { Controller, Get } from '@nestjs/common';
import { Redis } from 'ioredis';
import { OnStoreError, RedisThrottleStorage, ThrottleScope, ThrottleService, ThrottleStoreUnavailableError } from 'nest-scoped-throttle';
import { startRedis, waitFor } from '../../libs/testkit/src';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';
import { describeRedis, filePrefix } from '../support/redis/harness';

@Controller()
class HiController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
}

@Controller()
class LoginController {
  @ThrottleScope('login') @Get('login') login() {
    return 'ok';
  }
}

describeRedis('ThrottleService while Redis is down', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let client: Redis;
  let app: ThrottledApp | undefined;
  beforeEach(async () => {
    server = await startRedis();
    client = new Redis({ port: server.port, keyPrefix: filePrefix('service-down'), enableOfflineQueue: false, lazyConnect: true });
    await client.connect();
  });
  afterEach(async () => {
    await app?.close();
    client.disconnect();
    await server.cleanup();
  });

  const down = async (policy: OnStoreError) => {
    const storage = new RedisThrottleStorage(client);
    app = await startThrottled('fastify', {
      throttle: { scopes: { hi: '2/m' }, storage, onStoreError: policy, storeTimeoutMs: 200 },
      controllers: [HiController],
    });
    const service = app.app.get(ThrottleService);
    expect(await service.consume('hi', '203.0.113.9')).toMatchObject({ allowed: true, remaining: 1 }); // shared while up
    await server.kill();
    await waitFor('the client to see Redis gone', () => client.status !== 'ready');
    return service;
  };
  const unavailable = (call: string) =>
    expect.objectContaining({ name: 'ThrottleStoreUnavailableError', message: expect.stringContaining(call) });

  it('local: check and consume are decided by this process alone; refund and reset throw', async () => {
    const service = await down('local');
    expect(await service.check('hi', '203.0.113.9')).toMatchObject({ allowed: true, remaining: 1, limit: 2 });
    expect(await service.consume('hi', '203.0.113.9')).toMatchObject({ allowed: true, remaining: 1 }); // local counts start empty
    expect(await service.consume('hi', '203.0.113.9')).toMatchObject({ allowed: true, remaining: 0 });
    expect(await service.consume('hi', '203.0.113.9')).toMatchObject({ allowed: false });
    await expect(service.refund('hi', '203.0.113.9')).rejects.toEqual(unavailable('refund needs it'));
    await expect(service.reset('hi', '203.0.113.9')).rejects.toBeInstanceOf(ThrottleStoreUnavailableError);
  });

  it('allow: check and consume admit; refund and reset throw', async () => {
    const service = await down('allow');
    expect(await service.check('hi', '203.0.113.9')).toMatchObject({ allowed: true });
    expect(await service.consume('hi', '203.0.113.9')).toMatchObject({ allowed: true });
    await expect(service.reset('hi', '203.0.113.9')).rejects.toEqual(unavailable('reset needs it'));
  });

  it('local, blockFor: the fallback refuses with its window own Retry-After (no block claimed), block throws', async () => {
    const storage = new RedisThrottleStorage(client);
    app = await startThrottled('fastify', {
      throttle: { scopes: { login: { rate: '2/m', blockFor: '10m' } }, storage, onStoreError: 'local', storeTimeoutMs: 200 },
      controllers: [LoginController],
    });
    const service = app.app.get(ThrottleService);
    await server.kill();
    await waitFor('the client to see Redis gone', () => client.status !== 'ready');
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await app.get('/login'));
    expect(got.map((r) => r.status)).toEqual([200, 200, 429]);
    const retryAfter = Number(got[2].headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60); // the window's time: Redis could not keep a 10-minute block
    await expect(service.block('login', '127.0.0.1', '10m')).rejects.toEqual(unavailable('block needs it'));
  });

  it('deny: every call throws ThrottleStoreUnavailableError', async () => {
    const service = await down('deny');
    await expect(service.check('hi', '203.0.113.9')).rejects.toEqual(unavailable('check'));
    await expect(service.consume('hi', '203.0.113.9')).rejects.toBeInstanceOf(ThrottleStoreUnavailableError);
    await expect(service.refund('hi', '203.0.113.9')).rejects.toBeInstanceOf(ThrottleStoreUnavailableError);
  });
});
