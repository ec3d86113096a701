// Issue 22 on the memory store, both platforms (on Fastify the fast lane decides after the first request).
import { PLATFORMS } from '../support/apps/platforms';
import { concurrencyCases } from './concurrency-cases';
import { startThrottled } from '../support/apps/throttled-app';

describe.each(PLATFORMS)('concurrency limits on the memory store over %s', (platform) => {
  concurrencyCases(platform, () => ({}));

  it('refuses to boot on a bad concurrency or leaseMs, naming the option', async () => {
    const boot = (scope: object) => startThrottled(platform, { throttle: { scopes: { bad: scope } }, controllers: [] });
    await expect(boot({ concurrency: 0 })).rejects.toThrow('scope "bad" concurrency must be a positive integer');
    await expect(boot({ concurrency: 2, leaseMs: 'soon' })).rejects.toThrow('scope "bad" leaseMs "soon"');
    await expect(boot({ rate: '5/s', leaseMs: 1000 })).rejects.toThrow('scope "bad": leaseMs needs concurrency');
  });
});
