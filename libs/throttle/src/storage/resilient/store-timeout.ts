/**
 * How long boot waits, by default, for the shared store to be ready (connected, every cluster master
 * too, script loaded) before the app starts degraded.
 */
export const DEFAULT_STORE_BOOT_TIMEOUT_MS = 5_000;

/**
 * The per-request store timeout expired.
 *
 * @example
 * await withTimeout(store.consume(request), 100); // rejects with StoreTimeoutError after 100 ms
 */
export class StoreTimeoutError extends Error {
  override readonly name = 'StoreTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`timeout after ${timeoutMs} ms`);
  }
}

/**
 * Settles like `promise`, or rejects with {@link StoreTimeoutError} after `timeoutMs`; one timer,
 * cleared on settle. A late rejection of `promise` is absorbed (never unhandled).
 *
 * @example
 * const decision = await withTimeout(redisStore.consume(request), 100);
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    // When the timer fires, a reply may already sit unread in the socket because this process was busy
    // (a loaded event loop runs timers before I/O). setImmediate runs after the next I/O poll, so such a
    // reply still wins: the timeout measures the store, not our own event-loop lag.
    const timer = setTimeout(() => setImmediate(() => settled || reject(new StoreTimeoutError(timeoutMs))), timeoutMs);
    promise.then(
      (value) => ((settled = true), clearTimeout(timer), resolve(value)),
      (error) => ((settled = true), clearTimeout(timer), reject(error)),
    );
  });
}

/**
 * A short, loggable reason for a store failure: the error code, else a recognisable phrase, else the message.
 *
 * @example
 * describeError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })); // 'ECONNREFUSED'
 * describeError(new StoreTimeoutError(100)); // 'timeout after 100 ms'
 */
export function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('enableOfflineQueue')) return 'not connected';
  if (message.includes('None of startup nodes is available') || message.includes('Failed to refresh slots cache'))
    return 'no cluster node reachable';
  if (message.startsWith('Connection is closed')) return 'connection closed';
  return message.length > 120 ? `${message.slice(0, 117)}...` : message;
}
