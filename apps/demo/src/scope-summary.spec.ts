import { describeScope } from './scope-summary';

// One scope on the boot line: what is set, compactly, in a fixed order.
describe('describeScope', () => {
  it.each([
    ['hi', '3/m', 'hi=3/m (key ip)'],
    ['api_key', { rate: '1/s', key: 'query:api_key' }, 'api_key=1/s (key query:api_key)'],
    ['search', { rate: '30/minute', mode: 'shadow' }, 'search=30/minute (key ip, shadow)'],
    ['burst', { rate: '10/s', algorithm: 'gcra', burst: 3 }, 'burst=10/s (key ip, gcra, burst 3)'],
    ['meter', { rate: '10/s', algorithm: 'gcra' }, 'meter=10/s (key ip, gcra)'],
    ['bulk', { rate: '10/m', cost: 2 }, 'bulk=10/m (key ip, cost 2)'],
    [
      'plan',
      { rate: '100/hour', key: 'user', tier: 'user:plan', tiers: { pro: '10000/hour', free: '20/hour' } },
      'plan=100/hour (key user, tier user:plan: pro=10000/hour free=20/hour, GET /report costs 5)',
    ],
    ['dyn', { rate: '1/s', tier: () => '5/s' }, 'dyn=1/s (key ip, tier function: none)'],
    ['export', { concurrency: 2 }, 'export=2 in flight (key ip)'],
    ['shed', { concurrency: 2, priority: 'low' }, 'shed=2 in flight (key ip, priority low)'],
    ['both', { rate: '10/m', concurrency: 2, leaseMs: '1m' }, 'both=10/m (key ip, concurrency 2, lease 1m)'],
  ] as const)('%s', (name, scope, line) => {
    expect(describeScope(name, scope as never, undefined, [{ route: 'GET /report', scope: 'plan', cost: 5 }])).toBe(line);
  });

  it('shows the module-wide key when the scope has none', () => {
    expect(describeScope('hi', '1/s', 'header:x-client', [])).toBe('hi=1/s (key header:x-client)');
    expect(describeScope('hi', '1/s', () => 'k', [])).toBe('hi=1/s (key function)');
  });
});
