import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { loadThrottleFile } from '../../apps/demo/src/throttle-config';
import { articleSetups, experimentSetups, gcraConfig, startSetup } from '../../apps/experiment/src/setups';
import { StartedRedis, startRedis } from '../../libs/testkit/src';
import { writeConfig } from '../support/apps/demo-app';
import { describeRedis } from '../support/redis/harness';

// The experiment's rows: the article's five, unchanged, then the leaky bucket on Redis.
describe('experiment setups', () => {
  it('keeps the article’s five rows and adds N workers + Redis (gcra)', () => {
    expect(experimentSetups(6).map((s) => s.name)).toEqual([
      '1 worker + memory',
      '6 workers + memory',
      '6 replicas + memory',
      '6 workers + Redis',
      '6 replicas + Redis',
      '6 workers + Redis (gcra)',
    ]);
    expect(experimentSetups(6).slice(0, 5)).toEqual(articleSetups(6));
    expect(experimentSetups(3)[5]).toEqual({
      name: '3 workers + Redis (gcra)',
      store: 'redis',
      layout: 'workers',
      processes: 3,
      algorithm: 'gcra',
    });
  });

  it('runs the gcra row on a config whose api_key scope is GCRA at the rate, keyed by the query parameter', () => {
    const file = loadThrottleFile(writeConfig(gcraConfig('5/10s')), 'api_key=5/10s');
    expect(file.scopes.api_key).toEqual({ rate: '5/10s', key: 'query:api_key', algorithm: 'gcra' });
    expect(file.scopes.hi).toBe('60/minute');
    expect(Object.keys(file.scopes)).toEqual(['hi', 'api_key', 'search', 'burst', 'plan', 'login', 'export']); // the demo's other scopes: defaults
  });
});

describeRedis('the gcra row’s demo (built, on a private Redis)', () => {
  let redis: StartedRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.cleanup();
  });

  it('boots 2 workers with api_key counted by GCRA, serves /?api_key, and removes its config on stop', async () => {
    const setup = { ...experimentSetups(2)[5] };
    const running = await startSetup(setup, 'api_key=1/s', redis, 1);
    let config = '';
    try {
      expect(running.urls).toHaveLength(1);
      expect(running.bootLines[0]).toContain('workers 2 | scopes hi=60/minute (key ip), api_key=1/s (key query:api_key, gcra), search=');
      const res = await request(`${running.urls[0]}/?api_key=setup-check`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-policy']).toBe('"api_key";q=1;w=1');
      await res.body.dump();
      const health = await request(`${running.urls[0]}/health`);
      expect(await health.body.json()).toMatchObject({ store: { state: 'ok' } });
    } finally {
      config = running.configPath ?? '';
      await running.stop();
    }
    expect(config).toMatch(/throttle\.yaml$/);
    expect(() => readFileSync(config)).toThrow(/ENOENT/);
  });
});
