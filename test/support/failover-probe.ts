import { Pool } from 'undici';
import { health, StatusCounts, tally } from './http-probes';
import { waitFor } from '../../libs/testkit/src';

/** What a failover test measures while the store fails over: traffic that never stops, and when every worker is back. */

/** Requests kept flowing in the background; `stop()` ends them and gives their statuses. */
export interface SteadyTraffic {
  stop(): Promise<StatusCounts>;
}

/**
 * `loops` closed loops of `GET pathOf(i)` (one at a time each) until stopped; a request with no answer
 * within 2 s counts as `error`.
 *
 * @example
 * const traffic = steadyTraffic(demo.url, (i) => `/?api_key=during-${i}`);
 * ...; expect(await traffic.stop()).toEqual({ 200: expect.any(Number) });
 */
export function steadyTraffic(url: string, pathOf: (i: number) => string, loops = 2): SteadyTraffic {
  const pool = new Pool(url, { connections: loops });
  const statuses: (number | 'error')[] = [];
  let running = true;
  let sent = 0;
  const loop = async () => {
    while (running) {
      const path = pathOf(sent++);
      try {
        const res = await pool.request({ method: 'GET', path, signal: AbortSignal.timeout(2_000) });
        await res.body.dump();
        statuses.push(res.statusCode);
      } catch {
        statuses.push('error');
      }
    }
  };
  const done = Promise.all(Array.from({ length: loops }, loop));
  return {
    stop: async () => {
      running = false;
      await done;
      await pool.close();
      return tally(statuses);
    },
  };
}

/**
 * Polls /health (a new connection each time, so every worker is asked) until `workers` distinct
 * workers have reported a store for which `ok` holds, in a row of answers; returns when that happened.
 */
export async function waitForEveryWorker(
  url: string,
  workers: number,
  what: string,
  ok: (store: Record<string, unknown>) => boolean,
  timeoutMs = 20_000,
): Promise<number> {
  const good = new Set<number>();
  await waitFor(
    what,
    async () => {
      const { pid, store } = await health(url);
      if (ok(store)) good.add(pid);
      else good.delete(pid);
      return good.size >= workers;
    },
    timeoutMs,
  );
  return Date.now();
}
