import { Cluster, Redis } from 'ioredis';
import { ThrottleConfigError } from '../options/grammar/config-error';
import { normalizeOptions } from '../options/normalize-options';
import { compileRedisOptions } from './config/redis-options';
import { connectRedis } from './redis-connection';
import { groupBySlot } from './slot-groups';

const problemsOf = (redis: unknown) => {
  const problems: string[] = [];
  const target = compileRedisOptions(redis, problems);
  return { target, problems };
};

describe('redis options', () => {
  it('accepts redis:// and rediss:// URLs with auth and db', () => {
    expect(problemsOf({ url: 'redis://:s3cret@cache:6380/2' })).toEqual({
      target: { kind: 'url', url: 'redis://:s3cret@cache:6380/2' },
      problems: [],
    });
    expect(problemsOf({ url: 'rediss://user:pw@cache.internal' }).problems).toEqual([]);
  });

  it.each([
    ['xyz', /^redis\.url "xyz" is not a redis:\/\/ or rediss:\/\/ URL \(e\.g\. redis:\/\/:password@host:6379\/0/],
    ['http://cache:6379', /scheme "http:", expected redis: or rediss:/],
    ['redis://cache:6379/zero', /database "zero", expected a number/],
    [42, /must be a string/],
  ])('refuses url %j with a message that says how to write it', (url, message) => {
    const { target, problems } = problemsOf({ url });
    expect(target).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('accepts host:port cluster nodes (IPv6 in brackets) and names the bad ones', () => {
    expect(problemsOf({ clusterNodes: ['10.0.0.1:7000', '[::1]:7001'] }).target).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
    });
    expect(problemsOf({ clusterNodes: ['10.0.0.1', 'h:99999'] }).problems).toEqual([
      'redis.clusterNodes entry "10.0.0.1" is not "host:port" (e.g. "10.0.0.1:6379")',
      'redis.clusterNodes entry "h:99999" is not "host:port" (e.g. "10.0.0.1:6379")',
    ]);
    expect(problemsOf({ clusterNodes: [] }).problems[0]).toMatch(/non-empty list/);
  });

  it('needs exactly one of client, url, clusterNodes, sentinels', () => {
    expect(problemsOf({}).problems).toEqual(['redis needs exactly one of client, url, clusterNodes or sentinels (got none)']);
    expect(problemsOf({ url: 'redis://a', clusterNodes: ['a:1'] }).problems).toEqual([
      'redis needs exactly one of client, url, clusterNodes or sentinels (got url and clusterNodes)',
    ]);
    expect(problemsOf({ client: {} }).problems).toEqual(['redis.client must be an ioredis Redis or Cluster instance']);
  });

  // Regression (issue 9): an app-owned client with the offline queue on was accepted without a word; after an
  // outage it replays the scripts it queued, deciding stale requests.
  it('refuses an app-owned client with the offline queue on, and accepts one with it off', () => {
    const queued = new Redis({ lazyConnect: true });
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    const failFast = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    try {
      for (const client of [queued, cluster]) {
        expect(problemsOf({ client }).problems).toEqual([
          'redis.client must be created with { enableOfflineQueue: false } (calls must fail fast while Redis is down, not queue and replay)',
        ]);
      }
      expect(problemsOf({ client: failFast })).toEqual({ target: { kind: 'client', client: failFast }, problems: [] });
    } finally {
      for (const client of [queued, cluster, failFast]) client.disconnect();
    }
  });

  it('reports every store option problem at boot through the module config', () => {
    const config = normalizeOptions({
      scopes: { hi: '1/s' },
      redis: { url: 'xyz' },
      onStoreError: 'ignore' as never,
      storeTimeoutMs: -5,
    });
    const message = new ThrottleConfigError(config.problems).message;
    expect(message).toContain('Invalid throttle config: redis.url "xyz" is not a redis:// or rediss:// URL');
    expect(message).toContain('Invalid throttle config: onStoreError "ignore" must be one of local, allow, deny');
    expect(message).toContain('Invalid throttle config: storeTimeoutMs must be a number of milliseconds');
  });

  it('defaults to onStoreError local and a 100 ms timeout', () => {
    const config = normalizeOptions({ scopes: { hi: '1/s' } });
    expect(config).toMatchObject({ onStoreError: 'local', storeTimeoutMs: 100, redis: undefined, problems: [] });
  });

  it('creates owned clients lazily, with the module keyPrefix and no offline queue, and never logs the password', () => {
    const single = connectRedis({ kind: 'url', url: 'redis://:s3cret@127.0.0.1:1/3' }, 'throttle:');
    expect(single.owned).toBe(true);
    expect(single.client.status).toBe('wait');
    expect((single.client as Redis).options).toMatchObject({
      keyPrefix: 'throttle:',
      enableOfflineQueue: false,
      db: 3,
      password: 's3cret',
    });
    expect(single.description).toBe('redis://:***@127.0.0.1:1/3');
    const cluster = connectRedis({ kind: 'cluster', nodes: [{ host: '127.0.0.1', port: 1 }] }, 'p:');
    expect(cluster.client).toBeInstanceOf(Cluster);
    expect(cluster.client.options).toMatchObject({ keyPrefix: 'p:', enableOfflineQueue: false, lazyConnect: true });
    single.client.disconnect();
    cluster.client.disconnect();
  });
});

describe('cluster slot grouping', () => {
  it('keeps a request whose keys share one tag in one group (one script), and splits the rest', () => {
    const rule = (key: string) => ({ key, limit: 1, windowMs: 1_000 });
    expect(groupBySlot([rule('burst:{u1}'), rule('sustained:{u1}')], 'throttle:')).toBeUndefined();
    expect(groupBySlot([rule('a:{u1}'), rule('b:{ip9}'), rule('c:{u1}')], 'throttle:')).toEqual([[0, 2], [1]]);
    expect(groupBySlot([rule('a:{u1}'), rule('b:{ip9}')], '{tenant}:')).toBeUndefined();
  });
});
