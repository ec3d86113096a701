/**
 * undici connection pools, one per origin, and the classification of request errors.
 */
import { Pool } from 'undici';

/** The pools of a run: which pool and path each target uses. */
export interface Pools {
  /** Pool per target index (targets on one origin share it). */
  readonly poolOf: readonly Pool[];
  /** Path and query per target index. */
  readonly pathOf: readonly string[];
  /** Destroys every pool; never waits more than a second. */
  close(): Promise<void>;
}

/**
 * One undici Pool per origin, keep-alive, at most `connections` sockets each; undici's connect,
 * headers and body timeouts are set to the request timeout as a second line of defence.
 */
export function createPools(targets: readonly URL[], connections: number, timeoutMs: number, keepAlive = true): Pools {
  const byOrigin = new Map<string, Pool>();
  for (const url of targets) {
    if (!byOrigin.has(url.origin)) {
      byOrigin.set(
        url.origin,
        new Pool(url.origin, {
          connections,
          connectTimeout: timeoutMs,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          ...(keepAlive ? {} : { pipelining: 0 }), // undici: pipelining 0 closes each connection after its request
        }),
      );
    }
  }
  return {
    poolOf: targets.map((u) => byOrigin.get(u.origin) as Pool),
    pathOf: targets.map((u) => u.pathname + u.search),
    async close() {
      let timer: NodeJS.Timeout | undefined;
      const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)));
      await Promise.race([Promise.allSettled([...byOrigin.values()].map((p) => p.destroy())), giveUp]);
      clearTimeout(timer);
    },
  };
}

/** undici's own timeouts (connect, headers, body) count as `timeout` too. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * The error class of a failed request: our own `timeout`/`aborted` when we aborted it, else
 * `timeout` for undici's timeouts, `socket closed` for its SocketError, else the error's code
 * (`ECONNREFUSED`, `ECONNRESET`, ...; the first inner one of an AggregateError), else its name.
 */
export function classify(error: unknown, reason: 'timeout' | 'aborted' | null): string {
  if (reason !== null) return reason;
  const e = error as { code?: unknown; name?: unknown; errors?: unknown } | null | undefined;
  let code = e?.code;
  if (typeof code !== 'string' && Array.isArray(e?.errors)) code = (e.errors[0] as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return 'timeout';
  if (code === 'UND_ERR_SOCKET') return 'socket closed';
  if (typeof code === 'string' && code !== '') return code;
  return typeof e?.name === 'string' && e.name !== '' ? e.name : 'error';
}
