// design.md's HTTP contract on every platform: the rate-limit headers of admitted and refused
// responses, the exact 429 body, and a client waiting exactly Retry-After being admitted.
import { Controller, Get } from '@nestjs/common';
import { ThrottleScope } from 'nest-scoped-throttle';
import { HttpResponse, PLATFORMS } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class HiController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return { msg: 'Hello Hello!' };
  }
  @ThrottleScope('slow') @Get('slow') slow() {
    return 'slow';
  }
}

const CONTRACT_HEADERS = [
  'ratelimit-policy',
  'ratelimit',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
];

/** The contract's headers present on a response (absent ones left out, so `toEqual` also checks absence). */
function contractHeaders(res: HttpResponse): Record<string, string> {
  return Object.fromEntries(CONTRACT_HEADERS.flatMap((name) => (res.headers[name] === undefined ? [] : [[name, res.headers[name]]])));
}

describe.each(PLATFORMS)('the HTTP contract over %s', (platform) => {
  let app: ThrottledApp;
  beforeEach(async () => {
    app = await startThrottled(platform, { throttle: { scopes: { hi: '3/s', slow: '2/10s' } }, controllers: [HiController] });
  });
  afterEach(() => app.close());

  it('admits with every rate-limit header, then refuses with Retry-After and the exact 429 body', async () => {
    const admitted = [await app.get('/hi'), await app.get('/hi'), await app.get('/hi')];
    expect(admitted.map((r) => [r.status, r.body])).toEqual(Array(3).fill([200, { msg: 'Hello Hello!' }]));
    expect(contractHeaders(admitted[0])).toEqual({
      'ratelimit-policy': '"hi";q=3;w=1',
      ratelimit: '"hi";r=2;t=1',
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-reset': '1',
    });
    expect(admitted[2].headers['ratelimit']).toBe('"hi";r=0;t=1');
    app.clock.advance(250);
    const refused = await app.get('/hi');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(contractHeaders(refused)).toEqual({
      'ratelimit-policy': '"hi";q=3;w=1',
      ratelimit: '"hi";r=0;t=1',
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '1',
      'retry-after': '1',
    });
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Request was throttled. Expected available in 1 second.',
      scope: 'hi',
      retryAfter: 1,
    });
  });

  it('refuses until the oldest admission leaves the window, and admits a client that waits exactly Retry-After', async () => {
    await app.get('/slow');
    app.clock.advance(3_500);
    await app.get('/slow');
    const refused = await app.get('/slow');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('7'); // the first admission leaves the window 6.5 s from now: rounded up
    expect(refused.body.message).toBe('Request was throttled. Expected available in 7 seconds.');
    app.clock.advance(6_499);
    expect((await app.get('/slow')).status).toBe(429);
    app.clock.advance(7_000 - 6_499);
    expect((await app.get('/slow')).status).toBe(200);
  });
});
