import type { CompiledScope } from '../options/compile-scope';
import { normalizeOptions } from '../options/normalize-options';
import type { HeaderMode } from '../options/throttle-options';
import type { RuleState, ThrottleDecision, ThrottleRule } from '../storage/throttle-storage';
import { HeaderSink, retryAfterSeconds, toSeconds, writeHeaders } from './headers';
import { policyOf } from './route-plans';

// The HTTP contract's headers, from a decision the store made: what each header says, in which mode,
// for which scope, and how milliseconds become the whole seconds every header reports.

function scopesOf(...names: string[]): CompiledScope[] {
  const config = normalizeOptions({ scopes: { hi: '60/minute', api: '10/s', search: '5/minute' } });
  expect(config.problems).toEqual([]);
  return names.map((name) => config.scopes.get(name)!);
}

const rulesOf = (scopes: readonly CompiledScope[]): ThrottleRule[] =>
  scopes.map((s) => ({ key: `k:${s.name}`, limit: s.limit, windowMs: s.windowMs }));

const state = (remaining: number, resetMs: number, retryAfterMs = 0, limit?: number): RuleState => ({
  remaining,
  resetMs,
  retryAfterMs,
  limit,
});

/** Writes the headers of `decision` into a Fastify-like reply and returns them (lower-cased names) with Retry-After's value. */
function write(scopes: CompiledScope[], decision: ThrottleDecision, mode: HeaderMode = 'both', rules = rulesOf(scopes)) {
  const headers: Record<string, string> = {};
  const reply: HeaderSink = { header: (name, value) => (headers[name.toLowerCase()] = value) };
  const retryAfter = writeHeaders(reply, scopes, rules, policyOf(scopes), decision, mode);
  return { headers, retryAfter };
}

describe('toSeconds', () => {
  it('rounds up to whole seconds, and never reports a negative time', () => {
    expect([0, 1, 999, 1000, 1001, 59_999, 60_000, -5].map(toSeconds)).toEqual([0, 1, 1, 1, 2, 60, 60, 0]);
  });
});

describe('writeHeaders', () => {
  it('describes an admitted request by its scope: policy, what is left, and when more is available; no Retry-After', () => {
    const { headers, retryAfter } = write(scopesOf('hi'), { allowed: true, states: [state(59, 60_000)] });
    expect(headers).toEqual({
      'ratelimit-policy': '"hi";q=60;w=60',
      ratelimit: '"hi";r=59;t=60',
      'x-ratelimit-limit': '60',
      'x-ratelimit-remaining': '59',
      'x-ratelimit-reset': '60',
    });
    expect(retryAfter).toBe(0);
  });

  it('answers a refusal with Retry-After, rounded up, and a reset that is the retry time when it is later', () => {
    const { headers, retryAfter } = write(scopesOf('hi'), { allowed: false, states: [state(0, 1_200, 12_001)] });
    expect(retryAfter).toBe(13);
    expect(headers['retry-after']).toBe('13');
    expect(headers.ratelimit).toBe('"hi";r=0;t=13');
    expect(headers['x-ratelimit-reset']).toBe('13');
    expect(headers['x-ratelimit-remaining']).toBe('0');
  });

  it('never tells a refused client to retry after 0 seconds', () => {
    expect(write(scopesOf('hi'), { allowed: false, states: [state(0, 0, 0)] }).retryAfter).toBe(1);
  });

  it.each([
    ['ietf', ['ratelimit', 'ratelimit-policy', 'retry-after']],
    ['legacy', ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']],
    ['none', ['retry-after']],
    ['both', ['ratelimit', 'ratelimit-policy', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']],
  ] as const)('mode %s writes only its headers, and Retry-After on every refusal', (mode, names) => {
    expect(Object.keys(write(scopesOf('hi'), { allowed: false, states: [state(0, 5_000, 5_000)] }, mode).headers).sort()).toEqual(names);
  });

  it('writes nothing in mode none when the request is admitted', () => {
    expect(write(scopesOf('hi'), { allowed: true, states: [state(3, 1_000)] }, 'none').headers).toEqual({});
  });

  it('lists every scope in RateLimit, in route order, and gives the X- headers to the one with the least left', () => {
    const { headers } = write(scopesOf('hi', 'api'), { allowed: true, states: [state(40, 30_000), state(2, 900)] });
    expect(headers['ratelimit-policy']).toBe('"hi";q=60;w=60, "api";q=10;w=1');
    expect(headers.ratelimit).toBe('"hi";r=40;t=30, "api";r=2;t=1');
    expect([headers['x-ratelimit-limit'], headers['x-ratelimit-remaining'], headers['x-ratelimit-reset']]).toEqual(['10', '2', '1']);
  });

  it('on a refusal by several scopes, names the one that frees up last, so waiting Retry-After is enough for all', () => {
    const scopes = scopesOf('hi', 'api', 'search');
    const { headers, retryAfter } = write(scopes, {
      allowed: false,
      states: [state(0, 4_000, 4_000), state(5, 100), state(0, 30_000, 30_000)],
    });
    expect(retryAfter).toBe(30);
    expect(headers['x-ratelimit-limit']).toBe('5');
    expect(headers.ratelimit).toBe('"hi";r=0;t=4, "api";r=5;t=1, "search";r=0;t=30');
  });

  it('reports the limit the store decided under (the local fallback share) instead of the configured one', () => {
    const { headers } = write(scopesOf('hi'), { allowed: true, states: [state(29, 60_000, 0, 30)] });
    expect(headers['ratelimit-policy']).toBe('"hi";q=30;w=60');
    expect(headers['x-ratelimit-limit']).toBe('30');
  });

  it("reports a client tier's rate when the rule is not the scope's own", () => {
    const scopes = scopesOf('hi', 'api');
    const rules = [{ key: 'k:hi', limit: 1000, windowMs: 3_600_000 }, ...rulesOf(scopes).slice(1)];
    const { headers } = write(scopes, { allowed: true, states: [state(999, 3_600_000), state(9, 100)] }, 'both', rules);
    expect(headers['ratelimit-policy']).toBe('"hi";q=1000;w=3600, "api";q=10;w=1');
  });

  it("writes through Express's setHeader when the response has no Fastify header()", () => {
    const written: [string, string][] = [];
    const res: HeaderSink = { setHeader: (name, value) => written.push([name, value]) };
    writeHeaders(
      res,
      scopesOf('hi'),
      rulesOf(scopesOf('hi')),
      '"hi";q=60;w=60',
      { allowed: false, states: [state(0, 2_000, 2_000)] },
      'legacy',
    );
    expect(written).toEqual([
      ['X-RateLimit-Limit', '60'],
      ['X-RateLimit-Remaining', '0'],
      ['X-RateLimit-Reset', '2'],
      ['Retry-After', '2'],
    ]);
  });
});

describe('retryAfterSeconds', () => {
  it('is the longest retry among the refusing scopes, in whole seconds rounded up', () => {
    expect(retryAfterSeconds({ allowed: false, states: [state(0, 0, 1_500), state(0, 0, 2_001), state(1, 0, 0)] })).toBe(3);
  });
});
