import { ThrottleConfigError } from './grammar/config-error';
import { normalizeOptions } from './normalize-options';

const problemsOf = (options: unknown) => normalizeOptions(options as any).problems;

describe('normalizeOptions', () => {
  it('compiles scopes once: rate, policy, key prefix and identity', () => {
    const config = normalizeOptions({ scopes: { hi: '60/minute', api_key: { rate: '1/s', key: 'query:api_key' } } });
    expect(config.problems).toEqual([]);
    expect(config.scopes.get('hi')).toMatchObject({
      rate: '60/m',
      limit: 60,
      windowMs: 60_000,
      policy: '"hi";q=60;w=60',
      keyPrefix: 'hi:{',
    });
    expect(config.scopes.get('api_key')?.identity.label).toBe('query:api_key');
    expect(config).toMatchObject({
      headers: 'both',
      fastLane: true,
      metrics: false,
      onStoreError: 'local',
      storeTimeoutMs: 100,
      instances: 1,
    });
  });

  it('takes the store boot timeout in milliseconds (default 5 000), strictly', () => {
    expect(normalizeOptions({ scopes: {} }).storeBootTimeoutMs).toBe(5_000);
    expect(normalizeOptions({ scopes: {}, storeBootTimeoutMs: 15_000 })).toMatchObject({ storeBootTimeoutMs: 15_000, problems: [] });
    for (const bad of [0, -1, 60_001, Number.NaN, '5000', null]) {
      expect(problemsOf({ scopes: {}, storeBootTimeoutMs: bad })).toEqual([
        `storeBootTimeoutMs must be a number of milliseconds in (0, 60000], e.g. 5000; got ${JSON.stringify(bad)}`,
      ]);
    }
    expect(problemsOf({ scopes: {}, storeBootTimeout: 5_000 })).toEqual([
      'unknown module option "storeBootTimeout" (did you mean "storeBootTimeoutMs"?)',
    ]);
  });

  it('takes instances, the processes sharing the store: a positive integer', () => {
    expect(normalizeOptions({ scopes: {}, instances: 12 })).toMatchObject({ problems: [], instances: 12 });
    for (const bad of [0, -1, 2.5, '2', NaN, null]) {
      expect(problemsOf({ scopes: {}, instances: bad })).toEqual([
        `instances must be a positive integer (the processes sharing the store, e.g. workers × replicas), got ${JSON.stringify(bad)}`,
      ]);
    }
    expect(problemsOf({ scopes: {}, instance: 2 })).toEqual(['unknown module option "instance" (did you mean "instances"?)']);
  });

  // Regression (issue 9): unknown and mistyped options used to be ignored silently.
  it('refuses unknown module, scope, memory, redis and metrics keys, naming the nearest known one', () => {
    expect(problemsOf({ scopes: { hi: '1/s' }, trustproxy: 1 })).toEqual([
      'unknown module option "trustproxy" (did you mean "trustProxy"?)',
    ]);
    expect(problemsOf({ scopes: { hi: { rate: '1/s', algoritm: 'gcra' } } })).toEqual([
      'unknown key in scope "hi": "algoritm" (did you mean "algorithm"?)',
    ]);
    expect(problemsOf({ scopes: { hi: { rate: '1/s', kye: 'ip' } } })).toEqual(['unknown key in scope "hi": "kye" (did you mean "key"?)']);
    expect(problemsOf({ scopes: {}, memory: { maxkeys: 5 } })).toEqual(['unknown memory option "maxkeys" (did you mean "maxKeys"?)']);
    expect(problemsOf({ scopes: {}, redis: { uri: 'redis://x' } })).toContain('unknown redis option "uri" (did you mean "url"?)');
    expect(problemsOf({ scopes: {}, metrics: { registy: 1 } })).toEqual(['unknown metrics option "registy" (did you mean "registry"?)']);
  });

  it('refuses booleans given as strings (an env file says "false", which must not mean on)', () => {
    expect(problemsOf({ scopes: {}, fastLane: 'false', headers: 'false' })).toEqual([
      'headers must be true, false or one of both, ietf, legacy, none, got "false"',
      'fastLane must be true or false, got "false" (a string)',
    ]);
    expect(problemsOf({ scopes: {}, metrics: 'yes' })).toEqual(['metrics backends must be prometheus and/or otel, got "yes"']);
  });

  it('collects every problem into one error, one line each', () => {
    const config = normalizeOptions({ scopes: { hi: '100/month', 'a b': '1/s' }, onStoreError: 'ignore' as any, memory: { maxKeys: 0 } });
    const message = new ThrottleConfigError(config.problems).message.split('\n');
    expect(message).toEqual([
      'Invalid throttle config: onStoreError "ignore" must be one of local, allow, deny',
      'Invalid throttle config: scope "hi" rate "100/month": unknown period "month" (use s, m, h, d, e.g. 100/30d)',
      'Invalid throttle config: scope "a b": names may use letters, digits, "_", "." and "-" only',
      'Invalid throttle config: memory.maxKeys must be a positive integer, got 0',
    ]);
  });

  it('counts each bad trustProxy entry as its own problem', () => {
    const problems = problemsOf({ scopes: {}, trustProxy: ['10.0.0.0/', '10.0.0.0/8', '10.0.0.0/0x8'] });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^trustProxy entry "10\.0\.0\.0\/"/);
    expect(problems[1]).toMatch(/^trustProxy entry "10\.0\.0\.0\/0x8"/);
  });

  it('validates the operator controls: mode, allow, skipIf, onThrottled, headers', () => {
    expect(problemsOf({ scopes: { hi: { rate: '1/s', mode: 'dry-run' } } })).toEqual([
      'scope "hi" mode "dry-run" must be one of enforce, shadow',
    ]);
    expect(problemsOf({ scopes: { hi: '1/s' }, allow: ['10.0.0.0/'] })[0]).toMatch(/^allow entry "10\.0\.0\.0\/" has an empty prefix/);
    expect(problemsOf({ scopes: { hi: { rate: '1/s', allow: '10.0.0.1' } } })).toEqual([
      'scope "hi" allow must be a list of addresses or CIDRs, e.g. ["10.0.0.0/8"], got "10.0.0.1"',
    ]);
    expect(problemsOf({ scopes: { hi: '1/s' }, skipIf: true })).toEqual(['scope "hi": skipIf must be a function (context) => boolean']);
    expect(problemsOf({ scopes: {}, onThrottled: 'xml' })[0]).toMatch(/^onThrottled must be "problem\+json" or a function/);
    expect(problemsOf({ scopes: {}, headers: 'draft' })).toEqual([
      'headers must be true, false or one of both, ietf, legacy, none, got "draft"',
    ]);
    const config = normalizeOptions({ scopes: { hi: { rate: '1/s', mode: 'shadow' }, lo: '1/s' }, mode: 'enforce', headers: false });
    expect([config.scopes.get('hi')?.shadow, config.scopes.get('lo')?.shadow, config.headers]).toEqual([true, false, 'none']);
  });

  it('refuses a non-object options value and a storage that is no store', () => {
    expect(problemsOf(undefined)[0]).toMatch(/^the module options must be an object/);
    expect(problemsOf({ scopes: {}, storage: {} })).toEqual([
      'storage must be a ThrottleStorage instance (an object with consume(request))',
    ]);
  });
});
