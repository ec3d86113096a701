import { Pool, request } from 'undici';

/** HTTP helpers for tests that drive the built demo: floods, /health, /metrics. */

/** Status counts, e.g. `{ 200: 5, 429: 195 }`; `error` counts requests that got no answer. */
export type StatusCounts = Record<number | 'error', number>;

/**
 * Sends `count` concurrent `GET path` over `connections` connections (spread over the workers)
 * and counts the statuses.
 *
 * @example
 * expect(await flood(demo.url, '/?api_key=k', 200)).toEqual({ 200: 5, 429: 195 });
 */
export async function flood(url: string, path: string, count: number, connections = 40): Promise<StatusCounts> {
  const pool = new Pool(url, { connections });
  try {
    const statuses = await Promise.all(
      Array.from({ length: count }, async () => {
        try {
          const res = await pool.request({ method: 'GET', path, signal: AbortSignal.timeout(5_000) });
          await res.body.dump();
          return res.statusCode;
        } catch {
          return 'error' as const;
        }
      }),
    );
    return tally(statuses);
  } finally {
    await pool.close();
  }
}

export function tally(statuses: readonly (number | 'error')[]): StatusCounts {
  const counts = {} as StatusCounts;
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

/** One worker's /health (a fresh connection, so workers take turns); times out after 1 s. */
export async function health(url: string): Promise<{ pid: number; store: Record<string, unknown> & { state: string } }> {
  const res = await request(`${url}/health`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(1_000) });
  return (await res.body.json()) as { pid: number; store: Record<string, unknown> & { state: string } };
}

/** A counter of the demo's /metrics (summed over every series with that name), or 0. */
export async function metric(url: string, name: string): Promise<number> {
  const res = await request(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await res.body.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
