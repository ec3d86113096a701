import { request } from 'undici';
import { parseLoadTestArgs, runLoadTest } from '../../apps/loadtest/src';
import { DemoProcess, startDemoProcess, startRedis, waitFor } from '../../libs/testkit/src';
import { describeRedis } from '../support/redis/harness';

async function health(url: string): Promise<{ pid: number; store: { state: string } }> {
  // A connection handed to a worker in the instant it dies is never answered: time out and retry.
  const res = await request(`${url}/health`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1_000) });
  return (await res.body.json()) as { pid: number; store: { state: string } };
}

describe('worker supervision (WORKERS=2)', () => {
  let demo: DemoProcess | undefined;
  afterEach(async () => {
    await demo?.stop();
  });

  it('replaces a worker that dies, and keeps serving', async () => {
    demo = await startDemoProcess({ WORKERS: '2' });
    const pids = new Set<number>();
    await waitFor('both workers to answer', async () => (pids.add((await health(demo!.url)).pid), pids.size === 2), 10_000);
    const [victim] = [...pids];
    process.kill(victim, 'SIGKILL');
    await waitFor(
      'a new worker to answer',
      async () => {
        const pid = (await health(demo!.url)).pid;
        return pid !== victim && !pids.has(pid);
      },
      15_000,
    );
    expect(demo.output()).toContain(`worker ${victim} died (SIGKILL); starting a new one`);
  });
});

describeRedis('Redis killed under HTTP load (onStoreError: local)', () => {
  it('answers every request with 200 or 429, none slower than the timeout plus a margin, and recovers', async () => {
    const redis = await startRedis();
    const demo = await startDemoProcess({ THROTTLE_STORE: 'redis', REDIS_URL: redis.url, THROTTLE_RATES: 'api_key=20/s' });
    try {
      const parsed = parseLoadTestArgs(['-t', `${demo.url}/?api_key=k`, '-n', '300', '-d', '3', '--timeout', '2000']);
      if (parsed.kind !== 'run') throw new Error('bad load arguments');
      const live = { sent: 0, completed: 0, ok: 0, errors: 0 };
      const load = runLoadTest(parsed.options, { live });
      await waitFor('a third of the run to be answered', () => live.completed >= 100, 10_000);
      await redis.kill();
      const { report } = await load;
      expect(report.errors).toEqual({});
      expect(Object.keys(report.statuses).sort()).toEqual(['200', '429']);
      expect(report.completed).toBe(300);
      // store timeout 100 ms; a generous margin for a shared 2-core machine
      expect(report.latencyMs!.max).toBeLessThan(100 + 250);
      expect((await health(demo.url)).store.state).toBe('degraded');
      await redis.start();
      await waitFor(
        'shared limits to resume',
        async () => {
          await request(`${demo.url}/?api_key=probe`).then((r) => r.body.dump());
          return (await health(demo.url)).store.state === 'ok';
        },
        15_000,
      );
      console.log(
        `Redis killed under load: statuses ${JSON.stringify(report.statuses)}, latency max ${report.latencyMs!.max.toFixed(1)} ms, p99 ${report.latencyMs!.p99.toFixed(1)} ms`,
      );
    } finally {
      await demo.stop();
      await redis.cleanup();
    }
  });
});
