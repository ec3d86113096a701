import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDemoEnv } from './demo-env';
import { demoRedisOptions, describeDemoRedis } from './redis-store-options';

// The demo's Redis environment: Sentinel, Cluster or one Redis, with auth, a CA file and replica waits.
describe('demo Redis environment', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'demo-redis-env-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to one local Redis, no auth, no TLS', () => {
    const env = readDemoEnv({});
    expect(demoRedisOptions(env)).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(describeDemoRedis(env)).toBe('redis://127.0.0.1:6379');
  });

  it('uses Sentinel with the default master name, node and sentinel credentials', () => {
    const env = readDemoEnv({
      REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26379',
      REDIS_USERNAME: 'throttle',
      REDIS_PASSWORD: 'pw',
      REDIS_SENTINEL_PASSWORD: 'spw',
      REDIS_WAIT_REPLICAS: '1',
    });
    expect(demoRedisOptions(env)).toEqual({
      sentinels: ['10.0.0.1:26379', '10.0.0.2:26379'],
      name: 'mymaster',
      username: 'throttle',
      password: 'pw',
      sentinelPassword: 'spw',
      waitReplicas: 1,
    });
    expect(describeDemoRedis(env)).toBe('sentinel mymaster via 10.0.0.1:26379,10.0.0.2:26379 as throttle');
  });

  it.each(['redis://:pa/ss-SECRET@cache:6379', 'redis://u:p@SECRET@cache:6379', 'redis://u:100%SECRET@cache:6379'])(
    'issue 17 #10: never shows a REDIS_URL password holding "/", "@" or "%%" in the boot line (%s)',
    (url) => {
      expect(describeDemoRedis(readDemoEnv({ REDIS_URL: url }))).toBe('redis://***@cache:6379');
    },
  );

  it('reads the CA file named by REDIS_TLS_CA, and names the variable when it cannot', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const env = readDemoEnv({ REDIS_URL: 'rediss://cache:6380', REDIS_TLS_CA: ca });
    expect(demoRedisOptions(env)).toEqual({ url: 'rediss://cache:6380', tls: { ca: Buffer.from('-----BEGIN CERTIFICATE-----\n') } });
    expect(describeDemoRedis(env)).toBe('rediss://cache:6380 (tls)');
    expect(() => demoRedisOptions(readDemoEnv({ REDIS_TLS_CA: join(dir, 'missing.pem') }))).toThrow(
      /^REDIS_TLS_CA=".*missing\.pem": cannot read the CA file: ENOENT/,
    );
  });

  it('refuses Cluster and Sentinel together, and a bad replica count', () => {
    expect(() => readDemoEnv({ REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2' })).toThrow(
      'Invalid environment: REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set: use one (Cluster or Sentinel)',
    );
    expect(() => readDemoEnv({ REDIS_WAIT_REPLICAS: '0' })).toThrow(
      'Invalid environment: REDIS_WAIT_REPLICAS="0": expected a whole number from 1 to 64',
    );
  });
});
