import { DemoProcess, StartedRedis, startDemoProcess, startRedis, waitFor } from '../../libs/testkit/src';
import { describeRedis } from '../support/redis/harness';
import { driveCircuits, flood, metricTotal, steadyTraffic } from '../support/flood';

const LIMIT = 5;
const TOTAL = 200;
const IN_FLIGHT = 100;
/** How soon after Redis accepts connections again every worker must have closed its circuit. */
const RECOVERY_MS = 1_500;
const OUTAGE_PATH = '/?api_key=outage';

// Issue 9 item 2: after Redis came back, each worker kept deciding locally until its own probe: up to
// 5 s (the probe back-off) after traffic resumed, or, with no traffic at all, until the flood's first
// request became the probe. A flood 2 s after the restart admitted 10 (5 per worker), or 6 to 15.
describeRedis('Redis restarted (WORKERS=2)', () => {
  let redis: StartedRedis | undefined;
  let demo: DemoProcess | undefined;
  afterEach(async () => {
    await demo?.stop();
    await redis?.cleanup();
  });

  it.each([
    ['with traffic during the outage', true],
    ['with no request between the outage and the flood', false],
  ])(
    `shares limits again within ${RECOVERY_MS} ms, ${'%s'}: a flood then admits exactly ${LIMIT}`,
    async (_, withTraffic) => {
      redis = await startRedis();
      demo = await startDemoProcess({ WORKERS: '2', THROTTLE_STORE: 'redis', REDIS_URL: redis.url, THROTTLE_RATES: `api_key=${LIMIT}/m` });
      const url = demo.url;
      await redis.kill();
      await driveCircuits(url, OUTAGE_PATH, 2, 'open');
      const stopTraffic = withTraffic ? steadyTraffic(url, OUTAGE_PATH) : undefined;
      try {
        // Traffic until both workers' probes have failed twice: on the old code, that grew the probe back-off.
        if (withTraffic)
          await waitFor(
            'failed probes',
            async () => (await metricTotal(url, 'throttle_store_circuit_transitions_total', 'to="half-open"')) >= 4,
          );
        const closedBefore = await closedCircuits(url);
        await redis.start(); // same port; resolves once it answers PING
        // Every worker's circuit closes soon after (counted through /metrics, which asks every worker).
        await waitFor('both circuits to close', async () => (await closedCircuits(url)) >= closedBefore + 2, RECOVERY_MS);
      } finally {
        await stopTraffic?.();
      }
      const localBefore = await metricTotal(url, 'throttle_store_fallback_decisions_total');
      const counts = await flood(url, '/?api_key=after', TOTAL, IN_FLIGHT);
      expect(counts).toEqual({ 200: LIMIT, 429: TOTAL - LIMIT });
      expect(await metricTotal(url, 'throttle_store_fallback_decisions_total')).toBe(localBefore); // none decided locally
    },
    30_000,
  );
});

/** Circuit closings so far, summed over the workers. */
function closedCircuits(url: string): Promise<number> {
  return metricTotal(url, 'throttle_store_circuit_transitions_total', 'to="closed"');
}
