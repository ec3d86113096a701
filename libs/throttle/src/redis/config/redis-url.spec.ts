import { singleNodeOptions } from '../client-options';
import { ThrottleConfigError } from '../../options/grammar/config-error';
import { normalizeOptions } from '../../options/normalize-options';
import { redactUrl } from './redis-url';

// Passwords holding "/", "@" or "%" in redis.url (the demo's REDIS_URL): never printed, a "%" that is
// no escape is a boot error naming the option, and the decoding that applies is WHATWG URL's.
const problemsOf = (url: string) => normalizeOptions({ scopes: { hi: '1/s' }, redis: { url } }).problems;
const tuning = { keyPrefix: 'throttle:', storeTimeoutMs: 100 };

describe('issue 17 #10: Redis URL credentials', () => {
  it.each([
    ['a "/" (the URL does not parse)', 'redis://:pa/ss-SECRET@cache:6379/0'],
    ['a "/" after a user (host and port misread)', 'redis://throttle:6379/SECRET@cache:6379'],
    ['a "#" (the rest misread as a fragment)', 'redis://u:6379#SECRET@cache:6379'],
    ['a raw "@"', 'redis://:p@SECRET@cache:6379/x'],
    ['a "%" that is no escape', 'redis://throttle:100%SECRET@cache:6379'],
    ['a "%" that is no escape in the user name', 'redis://a%zz:SECRET@cache:6379'],
  ])('never prints a password holding %s in a boot error', (_what, url) => {
    const problems = problemsOf(url);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^redis\.url "/);
    expect(problems[0]).not.toContain('SECRET');
    expect(problems[0]).toContain('***@cache');
  });

  it('a "%" that is not a percent-escape is a clear boot error naming redis.url, not a raw URIError', () => {
    expect(problemsOf('redis://:100%@cache:6379')).toEqual([
      'redis.url "redis://:***@cache:6379" has a "%" in its password that is not a percent-escape (%XX): ' +
        'the URL\'s user and password are percent-decoded, so write "%" as %25 (encodeURIComponent), or give the password as redis.password ' +
        '(e.g. redis://:password@host:6379/0 or rediss://host:6380)',
    ]);
    expect(() => {
      const problems = problemsOf('redis://:100%@cache:6379');
      if (problems.length > 0) throw new ThrottleConfigError(problems);
    }).toThrow(ThrottleConfigError);
  });

  it('decodes the user and password as WHATWG URL does: %41 is "A", %25 is "%", a raw "@" before the last one is kept', () => {
    expect(problemsOf('redis://:%41b%25c%2F@cache:6379')).toEqual([]);
    expect(singleNodeOptions({ kind: 'url', url: 'redis://u%3Ax:%41b%25c%2F@cache:6379' }, tuning)).toMatchObject({
      username: 'u:x',
      password: 'Ab%c/',
    });
    expect(singleNodeOptions({ kind: 'url', url: 'redis://:p@ss@cache:6379' }, tuning)).toMatchObject({ password: 'p@ss', host: 'cache' });
  });

  it('redacts whatever the password holds, keeping a plain user name', () => {
    expect(redactUrl('redis://throttle:pa/ss@w@cache:6379/0')).toBe('redis://throttle:***@cache:6379/0');
    expect(redactUrl('rediss://:a%zz@cache')).toBe('rediss://:***@cache');
    expect(redactUrl('redis://a/b:secret@cache')).toBe('redis://***@cache'); // no plain user name: all masked
    expect(redactUrl('http://u:secret@cache')).toBe('http://u:***@cache'); // a wrong scheme is printed redacted too
    expect(redactUrl('redis://cache:6379/0')).toBe('redis://cache:6379/0');
  });
});
