import { Pool, request } from 'undici';
import { waitFor } from '../../libs/testkit/src';

/** Statuses of a flood: how many of each. */
export type StatusCounts = Record<number, number>;

/**
 * Sends `total` concurrent `GET <path>` to `url` with at most `inFlight` outstanding (one per
 * connection, so node:cluster spreads them over the workers); resolves with the count of each status.
 *
 * @example
 * expect(await flood(demo.url, '/?api_key=K', 200, 100)).toEqual({ 200: 3, 429: 197 });
 */
export async function flood(url: string, path: string, total: number, inFlight: number): Promise<StatusCounts> {
  const pool = new Pool(url, { connections: inFlight });
  try {
    const statuses = await Promise.all(
      Array.from({ length: total }, async () => {
        const res = await pool.request({ method: 'GET', path, signal: AbortSignal.timeout(5_000) });
        await res.body.dump();
        return res.statusCode;
      }),
    );
    const counts: StatusCounts = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  } finally {
    await pool.close();
  }
}

/** What one worker's /health says (a fresh connection per call, so calls reach different workers). */
export async function health(url: string): Promise<{ pid: number; store: { state: string; circuit?: string } }> {
  const res = await request(`${url}/health`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1_000) });
  return (await res.body.json()) as { pid: number; store: { state: string; circuit?: string } };
}

/** `count` concurrent `GET <path>`, each on a fresh connection (so node:cluster spreads them over the workers). */
export async function burst(url: string, path: string, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, () =>
      request(`${url}${path}`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1_000) })
        .then((res) => res.body.dump())
        .catch(() => undefined),
    ),
  );
}

/**
 * Sends bursts of `GET <path>` until `workers` distinct worker pids report a circuit in state `circuit`
 * on /health (bounded). Each round is 4 requests and one /health: 5 connections, an odd number, so
 * node:cluster's round robin gives every worker traffic and lets every worker answer /health in turn.
 */
export async function driveCircuits(url: string, path: string, workers: number, circuit: string): Promise<void> {
  const seen = new Set<number>();
  await waitFor(
    `${workers} workers to report circuit ${circuit}`,
    async () => {
      await burst(url, path, 4);
      const { pid, store } = await health(url);
      if (store.circuit === circuit) seen.add(pid);
      return seen.size >= workers;
    },
    10_000,
  );
}

/**
 * Background traffic: one `GET <path>` on a fresh connection every `everyMs` until the returned
 * function is called (which resolves once the last request has ended). Failures are ignored.
 */
export function steadyTraffic(url: string, path: string, everyMs = 50): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await request(`${url}${path}`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1_000) })
        .then((res) => res.body.dump())
        .catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/**
 * The sum of every sample of metric `name` in the demo's /metrics (summed over its workers): all label
 * sets, or only those containing `label` (e.g. `to="half-open"`).
 */
export async function metricTotal(url: string, name: string, label?: string): Promise<number> {
  const res = await request(`${url}/metrics`, { signal: AbortSignal.timeout(6_000) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}: ${text}`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => label === undefined || line.includes(label))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
