import { normalizeOptions } from '../options/normalize-options';
import { compileConcurrency, DEFAULT_LEASE_MS } from './lease-options';

describe('concurrency options', () => {
  const problemsOf = (scope: object) => normalizeOptions({ scopes: { s: scope } } as never).problems;

  it('compiles concurrency and leaseMs (milliseconds or a duration), leaseMs defaulting to 30 s', () => {
    expect(compileConcurrency('s', { concurrency: 2 }, [])).toEqual({ limit: 2, leaseMs: DEFAULT_LEASE_MS });
    expect(compileConcurrency('s', { concurrency: 3, leaseMs: '1m' }, [])).toEqual({ limit: 3, leaseMs: 60_000 });
    expect(compileConcurrency('s', { concurrency: 3, leaseMs: 1500 }, [])).toEqual({ limit: 3, leaseMs: 1500 });
    expect(compileConcurrency('s', {}, [])).toBeUndefined();
  });

  it('a scope may have concurrency without a rate, or both; it is planned as a lease scope', () => {
    const config = normalizeOptions({ scopes: { exp: { concurrency: 2 }, both: { rate: '5/s', concurrency: 1 } } });
    expect(config.problems).toEqual([]);
    expect([...config.scopes.keys()]).toEqual(['both']);
    expect([...config.leases.keys()]).toEqual(['exp', 'both']);
    expect(config.leases.get('exp')).toMatchObject({ limit: 2, leaseMs: 30_000, policy: '"exp";q=2;qu="concurrent-requests"' });
  });

  it.each([
    [{ concurrency: 0 }, 'scope "s" concurrency must be a positive integer (requests of one client in flight), e.g. 2; got 0'],
    [{ concurrency: 1.5 }, 'scope "s" concurrency must be a positive integer (requests of one client in flight), e.g. 2; got 1.5'],
    [{ concurrency: '2' }, 'scope "s" concurrency must be a positive integer (requests of one client in flight), e.g. 2; got "2"'],
    [{ concurrency: 2, leaseMs: 0 }, 'scope "s" leaseMs must be a positive integer of milliseconds or a duration like "15m", got 0'],
    [{ concurrency: 2, leaseMs: '2d' }, 'scope "s" leaseMs must be at most 1 day (86400000 ms), got 172800000'],
    [{ rate: '5/s', leaseMs: 1000 }, 'scope "s": leaseMs needs concurrency (the requests in flight it limits)'],
    [{ concurrency: 2, burst: 3 }, 'scope "s": burst need a rate (the scope has only concurrency)'],
    [{ concurrency: 2, rate: '5/s', mode: 'shadow' }, 'scope "s": concurrency is not supported in shadow mode'],
  ])('refuses %j, naming the option', (scope, problem) => {
    expect(problemsOf(scope)).toEqual([problem]);
  });

  it('a scope with neither rate nor concurrency still needs a rate', () => {
    expect(problemsOf({ key: 'ip' })[0]).toMatch(/^scope "s" rate undefined/);
  });
});
