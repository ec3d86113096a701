import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { writeConfig } from '../support/apps/demo-app';
import { DemoProcess, FatalWait, startDemoProcess, waitFor } from '../../libs/testkit/src';

// Issue 24: the demo's primary (WORKERS > 1) takes only the first boot's failures for a config error.
// Regression: a replacement worker that died before it was ready (here: the config file broke while
// the cluster ran) made the primary shut the whole cluster down; crash loops were re-forked at once.
const GOOD = 'scopes:\n  hi: 60/minute\n  api_key: 1/s\n';
const BAD = 'scopes:\n  api_key: 1/s\n'; // no "hi": a worker booting on it exits 1 before it is ready

describe('the demo primary restarts workers (WORKERS=2)', () => {
  let demo: DemoProcess | undefined;
  afterEach(async () => {
    await demo?.stop();
    demo = undefined;
  });

  it('a replacement that dies before it is ready is restarted with back-off; the primary keeps serving', async () => {
    const path = writeConfig(GOOD);
    demo = await startDemoProcess({ WORKERS: '2', THROTTLE_CONFIG: path });
    const health = async () => {
      const res = await request(`${demo!.url}/health`, { headers: { connection: 'close' } });
      return { statusCode: res.statusCode, ...((await res.body.json()) as { pid: number }) };
    };
    const victim = (await health()).pid;
    writeFileSync(path, BAD);
    process.kill(victim, 'SIGKILL');
    // The crash is restarted at once, the replacement dies on the bad config, the next waits 250 ms, then 500 ms.
    await waitFor(
      'two replacements to die before they are ready',
      () => {
        if (demo!.proc.exitCode !== null) throw new FatalWait(`the primary exited (${demo!.proc.exitCode}):\n${demo!.output()}`);
        return /in 500 ms/.test(demo!.output());
      },
      30_000,
    );
    const output = demo.output();
    expect(output).toContain(`worker ${victim} died (SIGKILL); starting a new one now`);
    expect(output).toMatch(/died \(1\) before it was ready; starting a new one in 250 ms/);
    expect(demo.proc.exitCode).toBeNull();
    const alive = await health(); // the other worker still serves
    expect(alive.statusCode).toBe(200);
    expect(alive.pid).not.toBe(victim);
    writeFileSync(path, GOOD);
    expect(await demo.stop()).toBe(0);
    demo = undefined;
  }, 60_000);
});
