import { clusterOptions, describeTarget, reconnectDelay, sentinelOptions, singleNodeOptions } from './client-options';

// What module-owned clients are created with, per topology: auth, TLS, and fail-fast timeouts everywhere.
const tuning = { keyPrefix: 'throttle:', storeTimeoutMs: 100 };
const FAIL_FAST = {
  connectTimeout: 1_000,
  socketTimeout: 2_000,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  disableClientInfo: true,
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('module-owned client options', () => {
  it('reconnects after 50, 100, ... ms, never more than 500 ms apart', () => {
    expect([1, 2, 5, 10, 1_000].map(reconnectDelay)).toEqual([50, 100, 250, 500, 500]);
  });

  it('parses a URL into explicit options: ACL user, password, db, TLS for rediss:// merged with tls', () => {
    const options = singleNodeOptions(
      { kind: 'url', url: 'rediss://throttle:p%40ss@cache.internal:6380/2', tls: { ca: PEM, servername: 'cache' } },
      tuning,
    );
    expect(options).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      username: 'throttle',
      password: 'p@ss',
      db: 2,
      tls: { ca: PEM, servername: 'cache' },
      keyPrefix: 'throttle:',
      lazyConnect: true,
      enableOfflineQueue: false,
      ...FAIL_FAST,
    });
    expect(options.retryStrategy).toBe(reconnectDelay);
    expect(singleNodeOptions({ kind: 'url', url: 'redis://[::1]', auth: { password: 'pw' } }, tuning)).toMatchObject({
      host: '::1',
      port: 6379,
      password: 'pw',
    });
    expect(singleNodeOptions({ kind: 'url', url: 'redis://a' }, tuning)).not.toHaveProperty('tls');
  });

  it('scales the socket timeout with a long store timeout', () => {
    expect(singleNodeOptions({ kind: 'url', url: 'redis://a' }, { ...tuning, storeTimeoutMs: 5_000 }).socketTimeout).toBe(10_000);
  });

  it('asks sentinels for the master, with their own auth and TLS, and follows +switch-master', () => {
    const options = sentinelOptions(
      {
        kind: 'sentinel',
        name: 'mymaster',
        sentinels: [{ host: 'h', port: 26379 }],
        auth: { username: 'throttle', password: 'pw' },
        sentinelAuth: { password: 'spw' },
        tls: { ca: PEM },
        sentinelTls: {},
        natMap: { '10.0.0.5:6379': { host: 'public', port: 16379 } },
      },
      tuning,
    );
    expect(options).toMatchObject({
      sentinels: [{ host: 'h', port: 26379 }],
      name: 'mymaster',
      role: 'master',
      username: 'throttle',
      password: 'pw',
      sentinelPassword: 'spw',
      tls: { ca: PEM },
      enableTLSForSentinelMode: true,
      sentinelTLS: {},
      failoverDetector: true,
      natMap: { '10.0.0.5:6379': { host: 'public', port: 16379 } },
      keyPrefix: 'throttle:',
      enableOfflineQueue: false,
      ...FAIL_FAST,
    });
    expect(options.sentinelRetryStrategy).toBe(reconnectDelay);
    expect(sentinelOptions({ kind: 'sentinel', name: 'm', sentinels: [{ host: 'h', port: 1 }] }, tuning)).not.toHaveProperty('tls');
  });

  it('gives every cluster node the auth, TLS and fail-fast options; with TLS, names are not resolved first', () => {
    const options = clusterOptions(
      { kind: 'cluster', nodes: [{ host: 'h', port: 7000 }], auth: { password: 'pw' }, tls: { ca: PEM } },
      tuning,
    );
    expect(options).toMatchObject({
      keyPrefix: 'throttle:',
      lazyConnect: true,
      enableOfflineQueue: false,
      redisOptions: { password: 'pw', tls: { ca: PEM }, ...FAIL_FAST },
    });
    const lookup = jest.fn();
    options.dnsLookup!('redis-0.example.com', lookup);
    expect(lookup).toHaveBeenCalledWith(null, 'redis-0.example.com');
    expect(clusterOptions({ kind: 'cluster', nodes: [{ host: 'h', port: 1 }] }, tuning)).not.toHaveProperty('dnsLookup');
  });

  it('describes targets for the logs without secrets', () => {
    expect(describeTarget({ kind: 'url', url: 'rediss://u:secret@cache:6380/1' })).toBe('rediss://u:***@cache:6380/1');
    expect(
      describeTarget({
        kind: 'sentinel',
        name: 'mymaster',
        sentinels: [
          { host: 'a', port: 1 },
          { host: '::1', port: 2 },
        ],
        auth: { username: 'throttle', password: 'x' },
      }),
    ).toBe('sentinel mymaster via a:1,[::1]:2 as throttle');
    expect(describeTarget({ kind: 'cluster', nodes: [{ host: 'a', port: 1 }], tls: {} })).toBe('cluster (tls) a:1');
  });
});
