import type { Cluster, Redis } from 'ioredis';

/** How long {@link closeOwnedClient} waits for QUIT (and the sentinel connections) before it disconnects. */
export const QUIT_WAIT_MS = 1_000;

/**
 * Closes a client the store created, and resolves once nothing of it is left: no socket, no timer, no
 * reconnection.
 *
 * - Ready: `QUIT`, so commands already sent get their replies; disconnects if the client has not
 *   ended within `quitWaitMs`.
 * - Not ready (connecting, reconnecting: nothing in flight): disconnects at once, which also stops
 *   the reconnection timer (with the module's `disconnectTimeout` of 20 ms, not ioredis's 2 s).
 * - Sentinel: ioredis 5.x `quit()` leaves the failover detector's subscriptions to the sentinels open
 *   (only `disconnect()` closes them), and the process never exits by itself. So once the master
 *   connection has ended, the detector is closed too, and its connections are waited for.
 *
 * @example
 * await closeOwnedClient(new Redis({ sentinels, name: 'mymaster', failoverDetector: true }));
 */
export async function closeOwnedClient(client: Redis | Cluster, quitWaitMs = QUIT_WAIT_MS): Promise<void> {
  const detector = failoverDetectorOf(client);
  const sentinels = detector?.sentinels.map((sentinel) => sentinel.client) ?? [];
  if (client.status === 'ready') await quitGracefully(client, quitWaitMs);
  else if (client.status !== 'end') client.disconnect(); // closes the detector too
  detector?.cleanup(); // a second cleanup of a closed detector does nothing
  await untilEnded(sentinels, quitWaitMs);
}

/** QUIT, and waits for the end; disconnects if it does not come within `quitWaitMs`. */
async function quitGracefully(client: Redis | Cluster, quitWaitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    client.once('end', () => resolve());
    timer = setTimeout(() => (client.disconnect(), resolve()), quitWaitMs);
  });
  client.quit().catch(() => client.disconnect());
  await ended;
  clearTimeout(timer);
}

/** Resolves when every client has ended (its socket closed), or after `waitMs`. */
async function untilEnded(clients: readonly Redis[], waitMs: number): Promise<void> {
  const open = clients.filter((client) => client.status !== 'end');
  if (open.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
  const ended = Promise.all(open.map((client) => new Promise<void>((resolve) => client.once('end', () => resolve()))));
  await Promise.race([ended, bound]);
  clearTimeout(timer);
}

/** The part of ioredis 5.x's (internal) `FailoverDetector` that a close needs. */
interface FailoverDetector {
  readonly sentinels: readonly { readonly client: Redis }[];
  cleanup(): void;
}

/** The failover detector of a Sentinel-mode client (`failoverDetector: true`, once connected), if any. */
function failoverDetectorOf(client: Redis | Cluster): FailoverDetector | undefined {
  const detector = (client as { connector?: { failoverDetector?: unknown } }).connector?.failoverDetector as
    FailoverDetector | null | undefined;
  if (!detector || typeof detector.cleanup !== 'function' || !Array.isArray(detector.sentinels)) return undefined;
  return detector;
}
