import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { compileRedisOptions, RedisStoreOptions } from '../../libs/throttle/src/redis/config/redis-options';
import { connectRedis } from '../../libs/throttle/src/redis/redis-connection';
import { RedisThrottleStorage } from '../../libs/throttle/src/redis/redis.storage';
import { describeRedis, filePrefix } from '../support/redis/harness';
import { aclRule, STORE_COMMANDS } from '../support/redis/throttle-acl';
import { makeCertificates, startTlsRedis, TestCertificates, TlsRedis } from '../support/redis/tls-harness';

// The store on a TLS-only Redis (certificates made by openssl), authenticated as an ACL user that may
// run only the store's commands on its own keys: the README's minimal ACL, shown to be enough and needed.
const keyPrefix = filePrefix('tls-acl');
const PASSWORD = 'throttle-pw';

describeRedis('Redis store over TLS as a minimal ACL user', () => {
  let certs: TestCertificates;
  let server: TlsRedis;
  let admin: Redis;
  beforeAll(async () => {
    certs = await makeCertificates();
    server = await startTlsRedis(certs, ['--user', ...aclRule('throttle', PASSWORD, keyPrefix, STORE_COMMANDS)]);
    admin = new Redis({ port: server.port, host: '127.0.0.1', tls: { ca: certs.ca } });
  }, 30_000);
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
    certs?.cleanup();
  });

  /** A module-built store (validated options → owned client), opened. */
  async function openStore(redis: RedisStoreOptions): Promise<RedisThrottleStorage> {
    const problems: string[] = [];
    const target = compileRedisOptions(redis, problems);
    expect(problems).toEqual([]);
    const store = RedisThrottleStorage.fromConnection(connectRedis(target!, keyPrefix));
    await store.open().catch((error) => (store.close(), Promise.reject(error)));
    return store;
  }
  const tls = () => ({ ca: certs.ca, servername: 'localhost' });
  let seq = 0;

  it('decides exactly, with the script and Redis TIME, and reports the node it uses', async () => {
    const store = await openStore({ url: server.url, username: 'throttle', password: PASSWORD, tls: tls() });
    try {
      const rule = { key: `hi:{tls-${++seq}}`, limit: 5, windowMs: 60_000 };
      const decisions = await Promise.all(Array.from({ length: 20 }, () => store.consume({ rules: [rule] })));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      expect(store.health()).toMatchObject({ state: 'ok', node: `127.0.0.1:${server.port}` });
    } finally {
      await store.close();
    }
  });

  it('needs every command of the minimal ACL (INFO for the ready check): without any other, the store cannot decide', async () => {
    const works = async (user: string) => {
      const store = await openStore({ url: server.url, username: user, password: PASSWORD, tls: tls() }).catch(() => undefined);
      if (!store) return false;
      try {
        // Three times on one key of limit 2: EVAL then EVALSHA, the second reads the oldest admission
        // (ZRANGE), and the third is refused, which reads the key's recent entries (ZRANGEBYSCORE).
        // Then a GCRA key twice (GET, SET; then refused).
        const rule = { key: `hi:{acl-${++seq}}`, limit: 2, windowMs: 60_000 };
        const bucket = { key: `hi:{acl-${seq}}:gcra`, limit: 1, windowMs: 60_000, algorithm: 'gcra' as const };
        const decisions = [];
        for (let i = 0; i < 3; i++) decisions.push((await store.consume({ rules: [rule] })).allowed);
        for (let i = 0; i < 2; i++) decisions.push((await store.consume({ rules: [bucket] })).allowed);
        return decisions.join() === 'true,true,false,true,false';
      } catch {
        return false;
      } finally {
        await store.close();
      }
    };
    const notNeeded: string[] = [];
    const warnings: string[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation((message: string) => void warnings.push(message));
    try {
      for (const dropped of STORE_COMMANDS) {
        const user = `without-${dropped.replace('|', '-')}`;
        await admin.call(
          'ACL',
          'SETUSER',
          ...aclRule(
            user,
            PASSWORD,
            keyPrefix,
            STORE_COMMANDS.filter((c) => c !== dropped),
          ),
        );
        if (await works(user)) notNeeded.push(dropped);
      }
    } finally {
      warn.mockRestore();
    }
    // Without INFO the store still decides, but ioredis skips its ready check (and Sentinel's role check) and says so.
    expect(notNeeded).toEqual(['info']);
    expect(warnings).toEqual([expect.stringContaining('Skipping the ready check because INFO command fails: "NOPERM')]);
  }, 40_000);

  it("refuses keys outside the user's prefix (the ACL confines the store to its own keys)", async () => {
    const problems: string[] = [];
    const target = compileRedisOptions({ url: server.url, username: 'throttle', password: PASSWORD, tls: tls() }, problems);
    const store = RedisThrottleStorage.fromConnection(connectRedis(target!, 'elsewhere:'));
    await store.open();
    try {
      await expect(store.consume({ rules: [{ key: 'hi:{x}', limit: 5, windowMs: 60_000 }] })).rejects.toThrow(/NOPERM/);
    } finally {
      await store.close();
    }
  });

  it('verifies the server: a certificate for another name, or from another CA, is refused', async () => {
    await expect(
      openStore({ url: server.url, username: 'throttle', password: PASSWORD, tls: { ca: certs.ca, servername: 'redis.example.com' } }),
    ).rejects.toThrow(/^ERR_TLS_CERT_ALTNAME_INVALID, not ready after/);
    await expect(
      openStore({ url: server.url, username: 'throttle', password: PASSWORD, tls: { ca: readFileSync(certs.otherCaPath) } }),
    ).rejects.toThrow(/^\S*(CERT|SIGNATURE|ISSUER)\S*, not ready after/);
  });
});
