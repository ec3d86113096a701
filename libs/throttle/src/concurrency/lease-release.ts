/**
 * Calls `release` once the HTTP response ends: Node's `finish` (sent) or `close` (sent, failed, or the
 * client gone), for a Node/Express response or a Fastify reply (its `raw`). A response already ended
 * releases at once; no response at all releases at once too, unless `call` (a GraphQL field call or
 * WebSocket message: the `ThrottleOutcome` interceptor releases it when its handler settles).
 *
 * @example
 * releaseWhenDone(reply, release, false);
 */
export function releaseWhenDone(response: any, release: () => void, call: boolean): void {
  const raw = response?.raw ?? response;
  if (typeof raw?.once !== 'function') {
    if (!call) release();
    return;
  }
  if (raw.writableFinished === true || raw.destroyed === true) return release();
  raw.once('finish', release);
  raw.once('close', release);
}
