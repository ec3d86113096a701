// Proxy trust on every platform, over real loopback connections (the socket peer is 127.0.0.1):
// X-Forwarded-For is read right to left through trusted hops only, and ignored with no trust.
import { Controller, Get } from '@nestjs/common';
import { ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';

type TrustProxy = NonNullable<ThrottleModuleOptions['trustProxy']>;
import { PLATFORMS, RequestSpec, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class HiController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
}

describe.each(PLATFORMS)('proxy trust over %s', (platform) => {
  let app: ThrottledApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  /** Statuses of GET /hi with each X-Forwarded-For value ('' sends none), under a 1/m limit by IP. */
  const via = async (trustProxy: TrustProxy, forwardedFor: string[]) => {
    app = await startThrottled(platform, { throttle: { scopes: { hi: '1/m' }, trustProxy }, controllers: [HiController] });
    return statuses(
      app.get,
      forwardedFor.map((xff): RequestSpec => ['/hi', xff === '' ? {} : { 'x-forwarded-for': xff }]),
    );
  };

  it('ignores X-Forwarded-For with no trust configured', async () => {
    expect(await via(0, ['1.1.1.1', '2.2.2.2', ''])).toEqual([200, 429, 429]);
  });

  it('reads the client one hop back behind one trusted proxy (trustProxy: 1), ignoring a spoofed left part', async () => {
    expect(await via(1, ['9.9.9.9, 1.1.1.1', '8.8.8.8, 1.1.1.1', '1.1.1.2', ''])).toEqual([200, 429, 200, 200]);
  });

  it('walks X-Forwarded-For right to left through trusted CIDR ranges to the first untrusted address', async () => {
    const trusted = ['127.0.0.1/32', '10.0.0.0/8'];
    expect(await via(trusted, ['1.1.1.1, 10.0.0.5', '7.7.7.7, 1.1.1.1, 10.1.2.3', '1.1.1.1', '2.2.2.2', ''])).toEqual([
      200, 429, 429, 200, 200,
    ]);
  });

  it('ignores X-Forwarded-For from a peer outside the trusted CIDR ranges', async () => {
    expect(await via(['10.0.0.0/8'], ['1.1.1.1', '2.2.2.2', ''])).toEqual([200, 429, 429]);
  });
});
