import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginKey } from './login.controller';
import { readDemoEnv } from './demo-env';
import { demoThrottleOptions, loadThrottleFile } from './throttle-config';

// The demo's config file: the shipped one, older files without the newer scopes, THROTTLE_RATES.
describe('loadThrottleFile', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'demo-throttle-file-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (yaml: string) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, yaml);
    return path;
  };
  const defaults = {
    search: { rate: '30/minute', mode: 'shadow' },
    burst: { rate: '10/s', algorithm: 'gcra', burst: 3 },
    plan: { rate: '100/hour', key: 'user', tier: 'user:plan', tiers: { pro: '10000/hour', free: '20/hour' } },
    login: { rate: '5/15m', count: 'failures', blockFor: '15m' },
    export: { concurrency: 2, priority: 'low' },
  };

  it('reads the shipped file: the article scopes, the shadow scope, a GCRA scope and a tiered scope', () => {
    expect(loadThrottleFile('apps/demo/config/throttle.yaml', undefined)).toEqual({
      scopes: {
        hi: '60/minute',
        api_key: { rate: '1/s', key: 'query:api_key' },
        ...defaults,
        login: { ...defaults.login, key: loginKey }, // the key a file cannot say: (IP, username)
      },
    });
  });

  it('adds search, burst, plan and login with their defaults to an older file, after its own scopes', () => {
    const scopes = loadThrottleFile(file('scopes:\n  hi: 60/minute\n  api_key: 1/s\n'), undefined).scopes;
    expect(Object.keys(scopes)).toEqual(['hi', 'api_key', 'search', 'burst', 'plan', 'login', 'export']);
    expect(scopes).toMatchObject(defaults);
  });

  it('keeps a scope the file names, in its place, instead of the default', () => {
    const scopes = loadThrottleFile(file('scopes:\n  burst: 5/m\n  hi: 1/s\n'), undefined).scopes;
    expect(Object.keys(scopes)).toEqual(['burst', 'hi', 'search', 'plan', 'login', 'export']);
    expect(scopes.burst).toBe('5/m');
  });

  it('THROTTLE_RATES changes the rates of the new scopes and keeps their algorithm, burst, key and tiers', () => {
    const scopes = loadThrottleFile(file('scopes:\n  hi: 60/minute\n'), 'burst=2/s, plan=50/h,hi=5/s').scopes;
    expect(scopes).toMatchObject({
      hi: '5/s',
      burst: { rate: '2/s', algorithm: 'gcra', burst: 3 },
      plan: { rate: '50/h', key: 'user', tier: 'user:plan', tiers: { pro: '10000/hour', free: '20/hour' } },
    });
  });

  it('never lets one load change the defaults another load sees', () => {
    const first = loadThrottleFile(file('scopes:\n  hi: 1/s\n'), 'plan=50/h').scopes;
    (first.plan as { tiers: Record<string, string> }).tiers.pro = '1/h';
    expect(loadThrottleFile(file('scopes:\n  hi: 1/s\n'), undefined).scopes.plan).toEqual(defaults.plan);
  });
});

describe('demoThrottleOptions: THROTTLE_SHED_ELU', () => {
  it('sets the module’s shed option from the environment, and only then', () => {
    expect(demoThrottleOptions(readDemoEnv({ THROTTLE_SHED_ELU: '0.85' }))().shed).toEqual({ eventLoopUtilization: 0.85 });
    expect(demoThrottleOptions(readDemoEnv({}))().shed).toBeUndefined();
  });
});
