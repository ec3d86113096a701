import { request } from 'undici';
import { DemoProcess, FatalWait, startDemoProcess, waitFor } from '../../libs/testkit/src';

const ROUNDS = 20;
const IN_FLIGHT = 6;

/** One request with a fresh connection (a kept-alive one would pin every request to one worker). */
async function get(url: string, timeoutMs = 2_000): Promise<{ status: number; body: string }> {
  const res = await request(url, { headers: { connection: 'close' }, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.statusCode, body: await res.body.text() };
}

function alive(demo: DemoProcess): boolean {
  return demo.proc.exitCode === null && demo.proc.signalCode === null;
}

/** When the test first saw each worker answer (it was ready by then). */
const firstSeen = new Map<number, number>();

/** Resolves with `count` distinct pids of booted workers that are not in `dead`, polling /health. */
async function liveWorkers(demo: DemoProcess, count: number, dead: Set<number>): Promise<number[]> {
  const pids = new Set<number>();
  await waitFor(
    `${count} live workers to answer /health`,
    async () => {
      if (!alive(demo)) throw new FatalWait(`the primary exited:\n${demo.output()}`);
      const pid = (JSON.parse((await get(`${demo.url}/health`, 1_000)).body) as { pid: number }).pid;
      if (!firstSeen.has(pid)) firstSeen.set(pid, performance.now());
      if (!dead.has(pid)) pids.add(pid);
      return pids.size >= count;
    },
    20_000,
  );
  return [...pids];
}

// Regression: the primary sent to a worker that had just died (ERR_IPC_CHANNEL_CLOSED / EPIPE emitted as the
// worker's 'error'), which took the primary, and so every worker, down.
describe('workers killed while /metrics is being aggregated (WORKERS=2)', () => {
  let demo: DemoProcess | undefined;
  afterEach(async () => {
    await demo?.stop();
    demo = undefined;
  });

  it(`keeps the primary alive over ${ROUNDS} rounds, boots replacements, and serves /metrics and /hi again`, async () => {
    demo = await startDemoProcess({ WORKERS: '2' });
    const dead = new Set<number>();
    const answers: Record<string, number> = {};
    const refusals = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      // The victim has served for over a second: a stable worker killed, restarted at once (a younger one
      // would count as a crash loop and be restarted with back-off, see apps/demo/src/worker-restarts.ts).
      const victim = (await liveWorkers(demo, 2, dead)).sort((a, b) => firstSeen.get(a)! - firstSeen.get(b)!)[0];
      await waitFor('the victim to have served 1.2 s', async () => performance.now() - firstSeen.get(victim)! >= 1_200, 5_000);
      // 5 s: above the primary's 4 s gather timeout; a connection handed to the victim as it dies is never answered.
      const scrapes = Array.from({ length: IN_FLIGHT }, () => get(`${demo!.url}/metrics`, 5_000));
      // Kill once the scrapes are being served (one has answered), so the others are mid-aggregation.
      await Promise.race(scrapes.map((s) => s.catch(() => undefined)));
      process.kill(victim, 'SIGKILL');
      dead.add(victim);
      for (const s of await Promise.allSettled(scrapes)) {
        const key = s.status === 'fulfilled' ? String(s.value.status) : 'reset or no answer';
        answers[key] = (answers[key] ?? 0) + 1;
        if (s.status === 'fulfilled' && s.value.status === 503) refusals.add((JSON.parse(s.value.body) as { message: string }).message);
      }
      if (!alive(demo)) throw new Error(`round ${round}: the primary exited:\n${demo.output()}`);
    }
    console.log(`/metrics answers while workers were killed: ${JSON.stringify(answers)}; 503s: ${[...refusals].join(' | ')}`);
    expect(Object.keys(answers).every((k) => ['200', '503', 'reset or no answer'].includes(k))).toBe(true);
    // A scrape that loses a worker says which one, at once (not after a timeout).
    for (const message of refusals) expect(message).toMatch(/^metrics: worker \d+ (exited before answering|could not be asked)/);

    const replacements = await liveWorkers(demo, 2, dead);
    expect(replacements.some((pid) => dead.has(pid))).toBe(false);
    await waitFor('/metrics to answer 200', async () => (await get(`${demo!.url}/metrics`)).status === 200, 15_000);
    expect((await get(`${demo.url}/hi`)).status).toBe(200);
    expect(alive(demo)).toBe(true);
    expect(demo.output()).not.toMatch(/ERR_IPC_CHANNEL_CLOSED|EPIPE|Unhandled 'error' event/);
  }, 180_000);
});
