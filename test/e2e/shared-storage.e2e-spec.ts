// A store the app passes as `storage` and that says it is shared (`RedisThrottleStorage`, or the app's
// own) gets the failure policy of the Redis store the module builds: timeout, breaker, deny cache,
// `onStoreError`, readiness before the first decision, close. An unshared store beside those options
// is refused at boot.
import { Controller, Get } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisThrottleStorage, ThrottleConfigError, ThrottleDecision, ThrottleScope, ThrottleStorage } from 'nest-scoped-throttle';
import { freePort } from '../../libs/testkit/src';
import { PLATFORMS } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class HiController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
}

/** A shared store whose backend never answers; records its lifecycle calls. */
class HangingSharedStorage extends ThrottleStorage {
  override readonly shared = true;
  readonly calls: string[] = [];
  consume(): Promise<ThrottleDecision> {
    this.calls.push('consume');
    return new Promise(() => undefined);
  }
  async open(): Promise<void> {
    this.calls.push('open');
  }
  async close(): Promise<void> {
    this.calls.push('close');
  }
}

/** A store that decides alone (not shared). */
class LocalOnlyStorage extends ThrottleStorage {
  consume(): Promise<ThrottleDecision> {
    return Promise.resolve({ allowed: true, states: [{ remaining: 0, resetMs: 0, retryAfterMs: 0 }] });
  }
}

describe.each(PLATFORMS)('issue 17 #6: one failure policy for every shared store, over %s', (platform) => {
  let app: ThrottledApp | undefined;
  const clients: Redis[] = [];
  afterEach(async () => {
    await app?.close();
    app = undefined;
    clients.splice(0).forEach((c) => c.disconnect());
  });
  const start = (throttle: Parameters<typeof startThrottled>[1]['throttle']) =>
    startThrottled(platform, { throttle, controllers: [HiController] }).then((a) => (app = a));

  it('an app-built RedisThrottleStorage on an unreachable Redis, onStoreError allow, storeTimeoutMs 100: admitted at once, not after 10 s', async () => {
    const client = new Redis({ port: await freePort(), lazyConnect: true, enableOfflineQueue: false });
    client.on('error', () => undefined);
    clients.push(client);
    const storage = new RedisThrottleStorage(client);
    await start({ scopes: { hi: '1/m' }, storage, onStoreError: 'allow', storeTimeoutMs: 100, storeBootTimeoutMs: 300 });
    const started = performance.now();
    const statuses = [(await app!.get('/hi')).status, (await app!.get('/hi')).status];
    expect(statuses).toEqual([200, 200]); // admitted by the policy (a 1/m limit would refuse the second)
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(app!.app.get(ThrottleStorage).health()).toMatchObject({ store: 'redis', state: 'degraded', policy: 'allow' });
  });

  it('an app-built RedisThrottleStorage whose client queues commands while disconnected is refused at boot', async () => {
    const client = new Redis({ port: await freePort(), lazyConnect: true });
    clients.push(client);
    await expect(start({ scopes: { hi: '1/m' }, storage: new RedisThrottleStorage(client) })).rejects.toThrow(
      /storage \(RedisThrottleStorage\) must use a client created with \{ enableOfflineQueue: false \}/,
    );
  });

  it('a shared store of the app’s own: opened before the first decision, bounded by storeTimeoutMs, closed at shutdown', async () => {
    const storage = new HangingSharedStorage();
    await start({ scopes: { hi: '1/m' }, storage, onStoreError: 'allow', storeTimeoutMs: 100 });
    expect(storage.calls).toEqual(['open']);
    const started = performance.now();
    expect((await app!.get('/hi')).status).toBe(200); // the store never answers: the policy admits after 100 ms
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(storage.calls).toEqual(['open', 'consume']);
    await app!.close();
    app = undefined;
    expect(storage.calls).toEqual(['open', 'consume', 'close']);
  });

  it('a shared store of the app’s own under onStoreError deny answers 503 when it hangs', async () => {
    await start({ scopes: { hi: '1/m' }, storage: new HangingSharedStorage(), onStoreError: 'deny', storeTimeoutMs: 50 });
    expect((await app!.get('/hi')).status).toBe(503);
  });

  it.each([
    [{ onStoreError: 'allow' as const }, 'onStoreError'],
    [{ storeTimeoutMs: 100, instances: 2 }, 'storeTimeoutMs, instances'],
  ])('an unshared store beside %j is refused at boot, naming the options', async (options, named) => {
    const booted = start({ scopes: { hi: '1/m' }, storage: new LocalOnlyStorage(), ...options });
    await expect(booted).rejects.toThrow(ThrottleConfigError);
    await expect(booted).rejects.toThrow(`${named} apply to a shared store, and storage (LocalOnlyStorage) does not say it is shared`);
  });

  it('redis beside storage is refused at boot (not ignored)', async () => {
    const booted = start({ scopes: { hi: '1/m' }, storage: new LocalOnlyStorage(), redis: { url: 'redis://127.0.0.1:1' } });
    await expect(booted).rejects.toThrow('redis and storage are exclusive');
  });

  it('an unshared store alone decides as before', async () => {
    await start({ scopes: { hi: '1/m' }, storage: new LocalOnlyStorage() });
    expect((await app!.get('/hi')).status).toBe(200);
  });
});
