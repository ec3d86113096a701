import { describeRedis } from '../support/redis/harness';
import { aclRule, STORE_COMMANDS } from '../support/redis/throttle-acl';
import { makeCertificates, startTlsRedis, TestCertificates, TlsRedis } from '../support/redis/tls-harness';
import { flood, health } from '../support/http-probes';
import { DemoProcess, startDemoProcess, waitFor } from '../../libs/testkit/src';

// The built demo on a TLS-only Redis as a minimal ACL user (REDIS_URL=rediss://, REDIS_TLS_CA,
// REDIS_USERNAME, REDIS_PASSWORD): exact when right; when the password or the CA is wrong, it still
// starts, says why in one boot log line, and the failure policy decides.
const PASSWORD = 'demo-pw';
const prefix = 'throttle:'; // the demo's key prefix (this file has the server to itself)

describeRedis('the demo on TLS Redis with an ACL user', () => {
  let certs: TestCertificates;
  let server: TlsRedis;
  let demo: DemoProcess | undefined;
  beforeAll(async () => {
    certs = await makeCertificates();
    server = await startTlsRedis(certs, ['--user', ...aclRule('throttle', PASSWORD, prefix, STORE_COMMANDS)]);
  }, 30_000);
  afterEach(async () => {
    await demo?.stop();
    demo = undefined;
  });
  afterAll(async () => {
    await server?.stop();
    certs?.cleanup();
  });
  const env = (overrides: Record<string, string> = {}) => ({
    THROTTLE_STORE: 'redis',
    REDIS_URL: server.url,
    REDIS_TLS_CA: certs.caPath,
    REDIS_USERNAME: 'throttle',
    REDIS_PASSWORD: PASSWORD,
    THROTTLE_RATES: 'api_key=5/m',
    ...overrides,
  });

  it('admits exactly 5 of 100 over TLS, and /health names the node', async () => {
    demo = await startDemoProcess(env());
    expect(demo.bootLine).toContain(`store redis ${server.url} (tls) as throttle (on error: local)`);
    expect(demo.output()).not.toMatch(/unavailable/);
    expect(await flood(demo.url, '/?api_key=tls', 100)).toEqual({ 200: 5, 429: 95 });
    expect((await health(demo.url)).store).toMatchObject({ state: 'ok', node: `127.0.0.1:${server.port}`, circuit: 'closed' });
  });

  it.each([
    [
      'a wrong password',
      { REDIS_PASSWORD: 'not-the-password' },
      /Redis store rediss:\/\/127\.0\.0\.1:\d+\S* as throttle unavailable \(WRONGPASS invalid username-password pair or user is disabled\.[^)]* at boot\): falling back to local limits \(per process\)/,
    ],
    [
      'a CA that did not sign the server',
      { REDIS_TLS_CA: '' },
      /Redis store rediss:\/\/127\.0\.0\.1:\d+\S* as throttle unavailable \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\b.* at boot\): falling back to local limits \(per process\)/,
    ],
  ])('with %s: starts degraded, logs why once, and the policy decides (no 5xx)', async (_, overrides, line) => {
    const wrong = { ...overrides, ...('REDIS_TLS_CA' in overrides ? { REDIS_TLS_CA: certs.otherCaPath } : {}) };
    demo = await startDemoProcess(env(wrong));
    await waitFor('the boot log line', () => line.test(demo!.output()), 5_000);
    expect(demo.output().match(/unavailable/g)).toHaveLength(1);
    const counts = await flood(demo.url, '/?api_key=degraded', 20);
    expect(counts).toEqual({ 200: 5, 429: 15 }); // onStoreError local: this process's own limit
    expect((await health(demo.url)).store).toMatchObject({ state: 'degraded', policy: 'local' });
  });
});
