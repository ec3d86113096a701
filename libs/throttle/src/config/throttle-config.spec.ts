import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { ThrottleModule } from '../module/throttle.module';
import { THROTTLE_CONFIG } from '../core/throttle.tokens';
import type { ThrottleConfig } from '../options/normalize-options';
import type { ScopeOptions } from '../options/throttle-options';
import { loadThrottleConfig, throttleConfig } from './throttle-config';

describe('throttleConfig', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'throttle-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const write = (text: string, ext = 'yaml') => {
    const path = join(dir, `${n++}.${ext}`);
    writeFileSync(path, text);
    return path;
  };
  const load = (file: string, env: Record<string, string> = {}) => loadThrottleConfig({ file, env });
  const problems = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as Error).message.split('\n');
    }
    throw new Error('expected a config error');
  };

  it('reads a YAML file of scopes and options', () => {
    const file = write('scopes:\n  hi: 60/minutes\n  api_key:\n    rate: 1/s\n    key: query:api_key\ntrustProxy: 1\n');
    expect(load(file)).toEqual({ scopes: { hi: '60/minutes', api_key: { rate: '1/s', key: 'query:api_key' } }, trustProxy: 1 });
  });

  it('reads a JSON file the same way', () => {
    const file = write(JSON.stringify({ scopes: { hi: '60/minute' }, headers: 'ietf' }), 'json');
    expect(load(file)).toEqual({ scopes: { hi: '60/minute' }, headers: 'ietf' });
  });

  it('names the file, line and column of a bad rate, a bad tier rate and an unknown option (YAML)', () => {
    const file = write(
      'scopes:\n  hi: 100/month\n  plan:\n    rate: 1/s\n    tier: user:plan\n    tiers:\n      pro: 0/s\ntrustproxy: 1\n',
    );
    expect(problems(() => load(file))).toEqual([
      expect.stringMatching(new RegExp(`^Invalid throttle config: ${file}:8:1: unknown module option "trustproxy"`)),
      `Invalid throttle config: ${file}:2:7: scope "hi" rate "100/month": unknown period "month" (use s, m, h, d, e.g. 100/30d)`,
      expect.stringMatching(new RegExp(`^Invalid throttle config: ${file}:7:12: scope "plan" tier "pro" rate "0/s": `)),
    ]);
  });

  it('names the line of a bad rate in a JSON file', () => {
    const file = write('{\n  "scopes": {\n    "ok": "1/s",\n    "hi": "1 minutee"\n  }\n}\n', 'json');
    expect(problems(() => load(file))).toEqual([
      expect.stringMatching(new RegExp(`^Invalid throttle config: ${file}:4:11: scope "hi" rate "1 minutee"`)),
    ]);
  });

  it('refuses a file that is not a mapping, or whose scopes are not one, naming the line', () => {
    const list = write('- hi: 1/s\n');
    expect(problems(() => load(list))).toEqual([
      `Invalid throttle config: ${list}:1:1: expected a mapping of module options, e.g. "scopes: { hi: 60/minute }"`,
    ]);
    const scopes = write('trustProxy: 1\nscopes:\n  - hi: 1/s\n');
    expect(problems(() => load(scopes))[0]).toBe(
      `Invalid throttle config: ${scopes}:3:3: "scopes" must map scope names to rates, e.g. "scopes: { hi: 60/minute }"`,
    );
  });

  it('names the line of a YAML or JSON syntax error', () => {
    const yaml = write('scopes:\n  hi: 1/s\n  hi: 2/s\n');
    expect(() => load(yaml)).toThrow(`Throttle config ${yaml}:3:3: not valid YAML: Map keys must be unique`);
    const json = write('{\n  "scopes": {},\n}\n', 'json');
    expect(() => load(json)).toThrow(`Throttle config ${json}:3:1: not valid JSON`);
  });

  it('THROTTLE_RATES sets rates, keeping each scope’s key, and adds scopes', () => {
    const file = write('scopes:\n  hi: 60/minute\n  api_key:\n    rate: 1/s\n    key: query:api_key\n');
    expect(load(file, { THROTTLE_RATES: 'api_key=5/10s, login=5/15m' }).scopes).toEqual({
      hi: '60/minute',
      api_key: { rate: '5/10s', key: 'query:api_key' },
      login: '5/15m',
    });
  });

  it('names the THROTTLE_RATES entry of a bad rate, and a malformed entry', () => {
    const file = write('scopes:\n  hi: 60/minute\n');
    expect(problems(() => load(file, { THROTTLE_RATES: 'hi=100/month,oops' }))).toEqual([
      'Invalid throttle config: THROTTLE_RATES entry "oops": expected scope=rate, e.g. hi=5/s',
      'Invalid throttle config: THROTTLE_RATES entry "hi=100/month": scope "hi" rate "100/month": unknown period "month" (use s, m, h, d, e.g. 100/30d)',
    ]);
  });

  it('converts THROTTLE_<OPTION> strings where the option is a number or boolean, and only there', () => {
    const file = write('scopes:\n  hi: 60/minute\ntrustProxy: 2\n');
    const options = load(file, {
      THROTTLE_TRUST_PROXY: '1',
      THROTTLE_STORE_TIMEOUT_MS: '250',
      THROTTLE_FAST_LANE: 'false',
      THROTTLE_HEADERS: 'ietf',
      THROTTLE_KEY_PREFIX: '123',
    });
    expect(options).toMatchObject({ trustProxy: 1, storeTimeoutMs: 250, fastLane: false, headers: 'ietf', keyPrefix: '123' });
    expect(load(file, { THROTTLE_TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy).toEqual(['10.0.0.0/8', '::1']);
  });

  it('refuses an environment value that is not the option’s type, naming the variable', () => {
    const file = write('scopes:\n  hi: 60/minute\n');
    expect(problems(() => load(file, { THROTTLE_STORE_TIMEOUT_MS: '100ms', THROTTLE_FAST_LANE: 'no', THROTTLE_MODE: 'loud' }))).toEqual([
      'Invalid throttle config: THROTTLE_STORE_TIMEOUT_MS="100ms": storeTimeoutMs must be a whole number, e.g. 100',
      'Invalid throttle config: THROTTLE_FAST_LANE="no": fastLane must be true or false',
      'Invalid throttle config: THROTTLE_MODE: scope "hi" mode "loud" must be one of enforce, shadow',
    ]);
  });

  it('reads THROTTLE_CONFIG before the file option, and names where a missing path came from', () => {
    const other = write('scopes:\n  other: 1/s\n');
    expect(load('/nonexistent.yaml', { THROTTLE_CONFIG: other }).scopes).toEqual({ other: '1/s' });
    expect(() => load(other, { THROTTLE_CONFIG: '/nonexistent/throttle.yaml' })).toThrow(
      'Cannot read throttle config /nonexistent/throttle.yaml (THROTTLE_CONFIG): ENOENT',
    );
    expect(() => load('/nonexistent/throttle.yaml')).toThrow('Cannot read throttle config /nonexistent/throttle.yaml (the file option)');
  });

  it('adds default scopes the file does not name, after its own, and never shares them between loads', () => {
    const file = write('scopes:\n  burst: 5/m\n  hi: 1/s\n');
    const defaults: { scopes: Record<string, string | ScopeOptions> } = {
      scopes: { plan: { rate: '1/h', tier: 'user:plan', tiers: { pro: '10/h' } }, burst: '10/s' },
    };
    const first = loadThrottleConfig({ file, env: {}, defaults });
    expect(Object.keys(first.scopes)).toEqual(['burst', 'hi', 'plan']);
    expect(first.scopes.burst).toBe('5/m');
    (first.scopes.plan as { tiers: Record<string, string> }).tiers.pro = '1/h';
    expect(loadThrottleConfig({ file, env: {}, defaults }).scopes.plan).toEqual(defaults.scopes.plan);
  });

  it('takes default scopes holding functions (a key or skipIf of code) as they are', () => {
    const file = write('scopes:\n  hi: 1/s\n');
    const key = () => 'k';
    const scopes = loadThrottleConfig({ file, env: {}, defaults: { scopes: { fn: { rate: '1/s', key } } } }).scopes;
    expect((scopes.fn as ScopeOptions).key).toBe(key);
  });

  it('is what ThrottleModule.forRootAsync takes, directly or through @nestjs/config registerAs', async () => {
    const file = write('scopes:\n  hi: 60/minute\n');
    const direct = await Test.createTestingModule({
      imports: [ThrottleModule.forRootAsync({ useFactory: throttleConfig({ file, env: { THROTTLE_RATES: 'hi=5/s' } }) })],
    }).compile();
    expect(direct.get<ThrottleConfig>(THROTTLE_CONFIG).scopes.get('hi')).toMatchObject({ limit: 5, windowMs: 1_000 });
    const viaConfig = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [registerAs('throttle', throttleConfig({ file, env: {} }))] }),
        ThrottleModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => config.getOrThrow('throttle'),
        }),
      ],
    }).compile();
    expect(viaConfig.get<ThrottleConfig>(THROTTLE_CONFIG).scopes.get('hi')).toMatchObject({ limit: 60, windowMs: 60_000 });
    await Promise.all([direct.close(), viaConfig.close()]);
  });
});
