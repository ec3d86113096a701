import { describeRedis } from '../support/redis/harness';
import { RedisSentinels, startSentinels } from '../support/redis/sentinel-harness';
import { aclRule, STORE_COMMANDS } from '../support/redis/throttle-acl';
import { steadyTraffic, waitForEveryWorker } from '../support/failover-probe';
import { flood, health, metric } from '../support/http-probes';
import { command, DemoProcess, startDemoProcess, waitFor } from '../../libs/testkit/src';

// Redis Sentinel as production runs it: a master, a replica and three sentinels (with a password),
// the demo as 2 workers connecting as an ACL user. The master is SIGKILLed: no 5xx while the
// sentinels fail over (the onStoreError policy answers), shared limits resume on the promoted
// replica by themselves, and a key flooded afterwards gets exactly its limit. Prints the figures the
// README's "What happens when…" table quotes.
const PASSWORD = 'sentinel-demo-pw';
const WORKERS = 2;

describeRedis('the demo on Redis Sentinel, master killed (WORKERS=2)', () => {
  let set: RedisSentinels | undefined;
  let demo: DemoProcess | undefined;
  afterAll(async () => {
    await demo?.stop();
    await set?.stop();
  });

  it('answers every request during the failover, then shares limits on the promoted replica', async () => {
    set = await startSentinels({ nodeArgs: ['--user', ...aclRule('throttle', PASSWORD, 'throttle:', STORE_COMMANDS)] });
    demo = await startDemoProcess({
      WORKERS: String(WORKERS),
      THROTTLE_STORE: 'redis',
      THROTTLE_RATES: 'api_key=5/m',
      REDIS_SENTINELS: set.sentinels.join(','),
      REDIS_SENTINEL_PASSWORD: set.sentinelPassword,
      REDIS_USERNAME: 'throttle',
      REDIS_PASSWORD: PASSWORD,
    });
    const { master, replica } = set;
    expect(demo.bootLine).toContain(`store redis sentinel mymaster via ${set.sentinels.join(',')} as throttle`);
    const onNode = (port: number) => (store: Record<string, unknown>) => store.state === 'ok' && store.node === `127.0.0.1:${port}`;
    await waitForEveryWorker(demo.url, WORKERS, 'both workers on the master', onNode(master.port));

    expect(await flood(demo.url, '/?api_key=before', 200)).toEqual({ 200: 5, 429: 195 });
    const keys = (await command(master.port, 'KEYS', 'throttle:api_key:*')) as string[];
    expect(keys).toHaveLength(1);
    await waitFor('the replica to hold the 5 admissions', async () => Number(await command(replica.port, 'ZCARD', keys[0])) === 5);
    const policyBefore = await metric(demo.url, 'throttle_store_fallback_decisions_total');

    const killedAt = Date.now();
    await master.kill();
    const traffic = steadyTraffic(demo.url, (i) => `/?api_key=during-${i}`);
    await waitFor('the sentinels to promote the replica', async () => (await set!.masterPort()) === replica.port, 20_000);
    const promotedAt = Date.now();
    const resumedAt = await waitForEveryWorker(
      demo.url,
      WORKERS,
      'both workers back on shared limits, on the promoted replica',
      onNode(replica.port),
    );
    const during = await traffic.stop();
    const policyDecisions = (await metric(demo.url, 'throttle_store_fallback_decisions_total')) - policyBefore;

    const statuses = Object.keys(during);
    expect(statuses.filter((s) => s !== '200' && s !== '429')).toEqual([]); // no 5xx, no unanswered request
    expect(policyDecisions).toBeGreaterThan(0); // the outage was felt, and the policy answered
    expect(await flood(demo.url, '/?api_key=after', 200)).toEqual({ 200: 5, 429: 195 });
    expect((await health(demo.url)).store).toMatchObject({ state: 'ok', node: `127.0.0.1:${replica.port}` });
    const kept = Number(await command(replica.port, 'ZCARD', keys[0]));
    expect(kept).toBe(5); // replicated before the kill: nothing forgotten (what can be: see the README)

    const total = Object.values(during).reduce((a, b) => a + b, 0);
    console.log(
      `Sentinel failover (down-after 1000 ms): promoted after ${promotedAt - killedAt} ms; shared limits resumed on every worker ` +
        `${resumedAt - killedAt} ms after the kill (${resumedAt - promotedAt} ms after promotion); ${total} requests during it, ` +
        `statuses ${JSON.stringify(during)}, ${policyDecisions} answered by the policy; admissions lost: ${5 - kept} of 5`,
    );
  }, 60_000);
});
