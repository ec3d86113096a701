import type { Cluster, Redis } from 'ioredis';
import { DEFAULT_STORE_BOOT_TIMEOUT_MS, describeError } from '../storage/resilient/store-timeout';
import { Deadline } from './deadline';

type Client = Redis | Cluster;

/**
 * When the Redis store can decide at once: its client is connected (`ready`), on a cluster the slots map
 * is loaded and every master's connection is ready too, and the store's scripts are loaded
 * (`SCRIPT LOAD`) on each. Otherwise the first decisions under load pay connections and a script compile,
 * and overrun the store timeout (issue 9: a cold cluster flooded at boot over-admitted).
 *
 * @example
 * const readiness = new RedisReadiness(client, [DECIDE_SCRIPT]);
 * const stop = readiness.watch(() => breaker.close('connection ready')); // after every reconnection
 * await readiness.open(5_000); // at boot; rejects after 5 s, naming the last connection error
 */
export class RedisReadiness {
  private opening = false;
  private waitMs = DEFAULT_STORE_BOOT_TIMEOUT_MS;

  constructor(
    private readonly client: Client,
    private readonly scripts: readonly string[],
  ) {}

  /**
   * Connects the client if nobody has yet (a lazy client), then resolves once it is ready as above.
   * Rejects after `waitMs` (the client keeps reconnecting), or at once if the client has ended.
   */
  async open(waitMs = DEFAULT_STORE_BOOT_TIMEOUT_MS): Promise<void> {
    this.waitMs = waitMs;
    this.opening = true;
    const errors = new LastError(this.client);
    const deadline = new Deadline(waitMs);
    try {
      await untilReady(this.client, deadline);
      await loadScripts(this.client, this.scripts, deadline);
    } catch (error) {
      if (!deadline.expired) throw error;
      const why = errors.last === undefined ? '' : `${describeError(errors.last)}, `;
      throw new Error(`${why}not ready after ${waitMs} ms`, { cause: error });
    } finally {
      this.opening = false;
      errors.stop();
      deadline.end();
    }
  }

  /**
   * Calls `listener` each time the client becomes ready again (a reconnection, or a cluster that
   * reconnected as a whole) once the script is loaded again, within the last `open` wait. While
   * {@link open} runs it does that itself, and the listener is not called. Returns the unsubscribe.
   */
  watch(listener: () => void): () => void {
    const onReady = () => {
      if (this.opening) return;
      const deadline = new Deadline(this.waitMs);
      // A failed reload leaves the circuit to the store's probe, which retries within a second.
      void loadScripts(this.client, this.scripts, deadline)
        .then(listener)
        .catch(() => undefined)
        .finally(() => deadline.end());
    };
    this.client.on('ready', onReady);
    return () => void this.client.off('ready', onReady);
  }
}

/** Loads the scripts on the client, or on every master of a cluster once its connection is ready. */
async function loadScripts(client: Client, scripts: readonly string[], deadline: Deadline): Promise<void> {
  const targets: Redis[] = (client as Cluster).isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  if (targets.length === 0) throw new Error('no cluster master known');
  await Promise.all(
    targets.map(async (node) => {
      await untilReady(node, deadline);
      for (const lua of scripts) await deadline.race(node.script('LOAD', lua));
    }),
  );
}

/** Resolves when `client` is ready (connecting it if it is lazy and idle); rejects if it ends or the deadline comes. */
function untilReady(client: Client, deadline: Deadline): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') return Promise.reject(new Error('connection ended'));
  if (deadline.isOver) return Promise.reject(new Error('not ready in time'));
  const ready = new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      client.off('ready', onReady).off('end', onEnd);
      cancel();
      return error ? reject(error) : resolve();
    };
    const onReady = () => settle();
    const onEnd = () => settle(new Error('connection ended'));
    client.once('ready', onReady).once('end', onEnd);
    const cancel = deadline.whenOver(() => settle(new Error('not ready in time')));
  });
  // Failures arrive as 'error' events, and the client reconnects by itself (its retry strategy).
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return ready;
}

/** The last connection error the client (or a cluster node) reported; one with a code (ECONNREFUSED) is never replaced by one without. */
class LastError {
  last: unknown;
  private readonly onError = (error: unknown) => {
    if (!(hasCode(this.last) && !hasCode(error))) this.last = error;
  };

  constructor(private readonly client: Client) {
    client.on('error', this.onError).on('node error', this.onError);
  }

  stop(): void {
    this.client.off('error', this.onError).off('node error', this.onError);
  }
}

function hasCode(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null | undefined)?.code === 'string';
}
