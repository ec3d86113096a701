import { DEFAULTS, LIMITS, parseArgs, parseTarget, UsageError, type LoadTestOptions } from '../../apps/loadtest/src/args';

function run(argv: string[]): LoadTestOptions {
  const parsed = parseArgs(argv);
  if (parsed.kind !== 'run') throw new Error('expected a run');
  return parsed.options;
}

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseArgs', () => {
  it('reads the ddosify-style flags', () => {
    const o = run(['-t', 'http://127.0.0.1:3000/hi', '-n', '100', '-d', '10']);
    expect(o.targets.map(String)).toEqual(['http://127.0.0.1:3000/hi']);
    expect(o).toMatchObject({ requests: 100, durationMs: 10_000, flood: false, json: false, rate: undefined });
    expect(o.timeoutMs).toBe(DEFAULTS.timeoutMs);
    expect(o.concurrency).toBe(DEFAULTS.pacedConnections);
  });

  it('defaults to -n 100 -d 10 in paced mode', () => {
    expect(run(['-t', 'http://a/'])).toMatchObject({ requests: 100, durationMs: 10_000 });
  });

  it('takes targets repeated and as comma lists, in order, keeping query strings', () => {
    const o = run(['-t', 'http://a:1/x?api_key=K,http://b:2/y', '--target', 'https://c/z', '--target=http://d/']);
    expect(o.targets.map(String)).toEqual(['http://a:1/x?api_key=K', 'http://b:2/y', 'https://c/z', 'http://d/']);
  });

  it('reads flood mode, --long=value forms, decimals for -d, --rate, --json and --timeout', () => {
    const o = run([
      '-t',
      'http://a/',
      '--flood',
      '-c',
      '50',
      '--requests=1000',
      '--duration=0.5',
      '--rate',
      '100/15m',
      '--json',
      '--timeout',
      '250',
    ]);
    expect(o).toMatchObject({ flood: true, concurrency: 50, requests: 1000, durationMs: 500, json: true, timeoutMs: 250 });
    expect(o.rate).toEqual({ text: '100/15m', parsed: { limit: 100, windowMs: 900_000 } });
  });

  it('has no duration cap in flood mode unless -d is given, and 10 in flight by default', () => {
    expect(run(['-t', 'http://a/', '--flood'])).toMatchObject({ durationMs: undefined, concurrency: DEFAULTS.floodConcurrency });
  });

  it('parses the rate grammar of the library', () => {
    expect(run(['-t', 'http://a/', '--rate', '1/s']).rate?.parsed).toEqual({ limit: 1, windowMs: 1_000 });
    expect(run(['-t', 'http://a/', '--rate', '60/minute']).rate?.parsed).toEqual({ limit: 60, windowMs: 60_000 });
    expect(run(['-t', 'http://a/', '--rate', '5/10s']).rate?.parsed).toEqual({ limit: 5, windowMs: 10_000 });
  });

  it('accepts the bounds exactly', () => {
    expect(run(['-t', 'http://a/', '-n', '1']).requests).toBe(1);
    expect(run(['-t', 'http://a/', '-n', String(LIMITS.maxRequests)]).requests).toBe(LIMITS.maxRequests);
    expect(run(['-t', 'http://a/', '--flood', '-c', '1']).concurrency).toBe(1);
  });

  it('returns help for -h and --help, even with other flags', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-t', 'nonsense', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], /no target/],
    [['-t', 'http://a/', '-x'], /unknown option "-x"/],
    [['-t', 'http://a/', 'extra'], /unexpected argument "extra"/],
    [['-t'], /-t needs a value/],
    [['-t', 'http://a/', '-n'], /-n needs a value/],
    [['-t', 'http://a/', '-n', '0'], /-n must be from 1 to 10000000, got 0/],
    [['-t', 'http://a/', '-n', '10000001'], /-n must be from 1 to 10000000/],
    [['-t', 'http://a/', '-n', '1.5'], /-n must be a whole number/],
    [['-t', 'http://a/', '-n', '-5'], /-n must be a whole number/],
    [['-t', 'http://a/', '-n', 'ten'], /-n must be a whole number/],
    [['-t', 'http://a/', '-d', '0'], /-d must be a number of seconds above 0, got "0"/],
    [['-t', 'http://a/', '-d', '-1'], /-d must be a number of seconds above 0/],
    [['-t', 'http://a/', '-d', 'abc'], /-d must be a number of seconds above 0/],
    [['-t', 'http://a/', '-d', '1e9'], /-d must be a number of seconds/],
    [['-t', 'http://a/', '-d', '86401'], /-d must be at most 86400/],
    [['-t', 'http://a/', '--flood', '-c', '0'], /-c must be from 1 to/],
    [['-t', 'http://a/', '--timeout', '0'], /--timeout must be from 1 to/],
    [['-t', 'http://a/', '--rate', '100/month'], /bad --rate "100\/month": unknown period "month"/],
    [['-t', 'http://a/', '--rate', '0/s'], /bad --rate "0\/s"/],
    [['-t', 'http://a/', '-n', '1', '-n', '2'], /given more than once/],
    [['-t', 'http://a/', '--json=yes'], /--json takes no value/],
    [['-t', 'localhost:3000'], /protocol must be http: or https:/],
    [['-t', 'not a url'], /bad target "not a url": not a URL/],
    [['-t', 'ftp://a/'], /protocol must be http: or https:, got ftp:/],
    [['-t', 'http://a/,'], /empty target/],
  ])('refuses %j', (argv, message) => {
    expect(usageError(argv as string[])).toMatch(message as RegExp);
  });
});

describe('parseTarget', () => {
  it('accepts http and https URLs', () => {
    expect(parseTarget('https://example.test:8443/a?b=c').href).toBe('https://example.test:8443/a?b=c');
  });
  it('refuses relative URLs', () => {
    expect(() => parseTarget('/hi')).toThrow(UsageError);
  });
});
