import { normalizeOptions } from '../../options/normalize-options';
import { compileRedisOptions } from './redis-options';

// Sentinel, auth, TLS, natMap and waitReplicas: validated strictly, one problem per mistake, naming the option.
const compile = (redis: unknown) => {
  const problems: string[] = [];
  const target = compileRedisOptions(redis, problems);
  return { target, problems };
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const sentinels = ['10.0.0.1:26379', '[::1]:26380'];

describe('redis sentinel options', () => {
  it('compiles sentinels, master name, both auths and TLS into one target', () => {
    const { target, problems } = compile({
      sentinels,
      name: 'mymaster',
      username: 'throttle',
      password: 'pw',
      sentinelPassword: 'spw',
      tls: { ca: PEM },
      sentinelTls: true,
    });
    expect(problems).toEqual([]);
    expect(target).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      auth: { username: 'throttle', password: 'pw' },
      sentinelAuth: { password: 'spw' },
      tls: { ca: PEM },
      sentinelTls: {},
    });
  });

  it('needs the master name and well-formed sentinel addresses', () => {
    expect(compile({ sentinels }).problems).toEqual([
      'redis.name must name the master the sentinels monitor (sentinel monitor <name> ...), e.g. "mymaster"; got undefined',
    ]);
    expect(compile({ sentinels: ['h:26379', 'h'], name: 'm' }).problems).toEqual([
      'redis.sentinels entry "h" is not "host:port" (e.g. "10.0.0.1:26379")',
    ]);
    expect(compile({ sentinels: [], name: 'm' }).problems).toEqual([
      'redis.sentinels must be a non-empty list of "host:port", e.g. ["10.0.0.1:26379"]',
    ]);
  });

  it('refuses two targets at once, naming both', () => {
    expect(compile({ url: 'redis://a', sentinels, name: 'm' }).problems).toEqual([
      'redis needs exactly one of client, url, clusterNodes or sentinels (got url and sentinels)',
    ]);
  });

  it('names the nearest known key for a typo', () => {
    expect(compile({ sentinels, name: 'm', sentinelPasword: 'x' }).problems).toEqual([
      'unknown redis option "sentinelPasword" (did you mean "sentinelPassword"?)',
    ]);
    expect(compile({ url: 'redis://a', waitReplica: 1 }).problems).toEqual([
      'unknown redis option "waitReplica" (did you mean "waitReplicas"?)',
    ]);
  });
});

describe('redis options that apply to some targets only', () => {
  it.each([
    [{ url: 'redis://a', name: 'm' }, 'redis.name applies only with redis.sentinels, not with redis.url'],
    [
      { clusterNodes: ['a:1'], sentinelPassword: 'x' },
      'redis.sentinelPassword applies only with redis.sentinels, not with redis.clusterNodes',
    ],
    [
      { url: 'redis://a', natMap: { 'a:1': 'b:2' } },
      'redis.natMap applies only with redis.clusterNodes or redis.sentinels, not with redis.url',
    ],
  ])('%j', (redis, message) => {
    expect(compile(redis)).toEqual({ target: undefined, problems: [message] });
  });

  it('tells an app-owned client that it brings its own TLS and auth', () => {
    const client = { defineCommand: () => undefined, options: { enableOfflineQueue: false } };
    expect(compile({ client, tls: true, password: 'x' }).problems).toEqual([
      'redis.password applies only with redis.url or redis.clusterNodes or redis.sentinels, not with redis.client (an app-owned client brings its own)',
      'redis.tls applies only with redis.url or redis.clusterNodes or redis.sentinels, not with redis.client (an app-owned client brings its own)',
    ]);
  });
});

describe('redis auth and TLS options', () => {
  it('accepts an ACL user on a cluster, with TLS and a natMap', () => {
    const { target, problems } = compile({
      clusterNodes: ['10.0.0.1:6379'],
      username: 'throttle',
      password: 'pw',
      tls: true,
      natMap: { '10.0.1.5:6379': 'r0.example.com:16379', '10.0.1.6:6379': { host: 'r1', port: 16379 } },
    });
    expect(problems).toEqual([]);
    expect(target).toMatchObject({
      kind: 'cluster',
      auth: { username: 'throttle', password: 'pw' },
      tls: {},
      natMap: { '10.0.1.5:6379': { host: 'r0.example.com', port: 16379 }, '10.0.1.6:6379': { host: 'r1', port: 16379 } },
    });
  });

  it.each([
    [{ url: 'redis://a', username: 'u' }, 'redis.username needs redis.password (Redis authenticates a user with its password)'],
    [{ url: 'redis://a', password: '' }, 'redis.password must be a non-empty string'],
    [
      { url: 'redis://:pw@a', password: 'pw' },
      'redis.url "redis://:***@a" carries credentials and redis.username/password are set too: give them once (e.g. redis://:password@host:6379/0 or rediss://host:6380)',
    ],
    [
      { url: 'redis://a', tls: { ca: PEM } },
      'redis.url "redis://a" is plain redis:// but redis.tls is set: use rediss:// for TLS (e.g. redis://:password@host:6379/0 or rediss://host:6380)',
    ],
    [
      { url: 'rediss://a', tls: { ca: '/etc/redis/ca.pem' } },
      'redis.tls.ca looks like a file path ("/etc/redis/ca.pem"), not a PEM certificate: pass readFileSync(path)',
    ],
    [
      { url: 'rediss://a', tls: { ca: PEM, cert: PEM } },
      'redis.tls.cert and redis.tls.key go together (a client certificate needs its key)',
    ],
    [
      { url: 'rediss://a', tls: { rejectUnauthorised: false } },
      'unknown redis.tls option "rejectUnauthorised" (did you mean "rejectUnauthorized"?)',
    ],
    [{ url: 'rediss://a', tls: { rejectUnauthorized: 'false' } }, 'redis.tls.rejectUnauthorized must be true or false, got "false"'],
    [
      { url: 'rediss://a', tls: 'yes' },
      'redis.tls must be true, false or an object like { ca, servername, rejectUnauthorized }, got "yes"',
    ],
    [{ clusterNodes: ['a:1'], natMap: { 'a:1': 'b' } }, 'redis.natMap["a:1"] must be "host:port" or { host, port }, got "b"'],
  ])('refuses %j', (redis, message) => {
    expect(compile(redis)).toEqual({ target: undefined, problems: [message] });
  });

  it('accepts rediss:// with a CA, a servername and rejectUnauthorized', () => {
    const tls = { ca: [PEM, Buffer.from(PEM)], servername: 'redis.internal', rejectUnauthorized: true };
    expect(compile({ url: 'rediss://a:6380', username: 'u', password: 'p', tls })).toEqual({
      target: { kind: 'url', url: 'rediss://a:6380', auth: { username: 'u', password: 'p' }, tls },
      problems: [],
    });
  });
});

describe('redis.waitReplicas', () => {
  const config = (redis: object, storeTimeoutMs?: number) =>
    normalizeOptions({ scopes: { hi: '1/s' }, redis: { url: 'redis://a', ...redis }, storeTimeoutMs });

  it('is off by default, and waits half the store timeout when on', () => {
    expect(config({}).replicaWait).toBeUndefined();
    expect(config({ waitReplicas: 1 })).toMatchObject({ problems: [], replicaWait: { replicas: 1, timeoutMs: 50 } });
    expect(config({ waitReplicas: 2, waitTimeoutMs: 20 }, 250)).toMatchObject({
      problems: [],
      replicaWait: { replicas: 2, timeoutMs: 20 },
    });
  });

  it.each([
    [{ waitReplicas: 0 }, 'redis.waitReplicas must be a whole number of replicas from 1 to 64, got 0'],
    [{ waitReplicas: '1' }, 'redis.waitReplicas must be a whole number of replicas from 1 to 64, got "1"'],
    [
      { waitReplicas: 1, waitTimeoutMs: 100 },
      'redis.waitTimeoutMs must be whole milliseconds from 1 to 99 (below storeTimeoutMs 100, or every slow acknowledgement becomes a store error), got 100',
    ],
    [
      { waitReplicas: 1, waitTimeoutMs: 2.5 },
      'redis.waitTimeoutMs must be whole milliseconds from 1 to 99 (below storeTimeoutMs 100, or every slow acknowledgement becomes a store error), got 2.5',
    ],
    [{ waitTimeoutMs: 10 }, 'redis.waitTimeoutMs applies only with redis.waitReplicas (e.g. { waitReplicas: 1, waitTimeoutMs: 50 })'],
  ])('refuses %j', (redis, message) => {
    expect(config(redis)).toMatchObject({ problems: [message], replicaWait: undefined });
  });
});
