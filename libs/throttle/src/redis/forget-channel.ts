import type { Cluster, Redis } from 'ioredis';

/** What a forget message names: store keys (without the client's prefix) whose counters just got room. */
export type ForgetListener = (keys: readonly string[]) => void;

/**
 * How instances sharing one Redis tell each other that keys got room (`ThrottleService.refund`, `reset`):
 * one Pub/Sub channel, `<keyPrefix>throttle:forget`. A process subscribes only once its local deny cache
 * remembers a first refusal (until then it has nothing to forget), on a connection of its own (a
 * subscribed connection runs no scripts), closed with the store; its listeners drop the keys from the
 * deny cache, so a reset on one instance lifts every instance's local refusals at once. Classic Pub/Sub
 * reaches every node of a Cluster. Publishing and subscribing never fail a call: a user whose ACL lacks
 * the channel only keeps each instance's refusals until their time is up, as before.
 *
 * @example
 * const channel = new ForgetChannel(client, 'throttle:');
 * const stop = channel.watch((keys) => denyCache.forget(keys));
 * await channel.publish(['hi:{Xb3…}']);
 */
export class ForgetChannel {
  private subscriber?: Redis | Cluster;
  private readonly listeners = new Set<ForgetListener>();
  readonly channel: string;

  constructor(
    private readonly client: Redis | Cluster,
    keyPrefix: string,
  ) {
    this.channel = `${keyPrefix}throttle:forget`;
  }

  /** Tells every subscribed instance (this one included) to forget the keys; never rejects. */
  async publish(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.client.publish(this.channel, JSON.stringify(keys)).catch(() => undefined);
  }

  /** Calls `listener` with the keys of every forget message; the first listener opens the subscription. Returns the unsubscribe. */
  watch(listener: ForgetListener): () => void {
    this.listeners.add(listener);
    this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Closes the subscription's connection (the store's close calls it, and so does the end of the store's client). */
  close(): void {
    this.client.off('end', this.onClientEnd);
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  /** The store's client ended (closed by its owner): a subscription of its own must not outlive it, reconnecting forever. */
  private readonly onClientEnd = () => this.close();

  private open(): void {
    if (this.subscriber !== undefined) return;
    // Queued until connected (a subscription is no decision: nothing waits on it), resubscribed after each reconnection.
    const overrides = { enableOfflineQueue: true, lazyConnect: false };
    const subscriber =
      (this.client as Cluster).isCluster === true
        ? (this.client as Cluster).duplicate([], overrides)
        : (this.client as Redis).duplicate(overrides);
    subscriber.on('error', () => undefined); // the client reconnects and resubscribes by itself
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const keys = parseKeys(text);
      if (keys !== undefined) for (const listener of this.listeners) listener(keys);
    });
    subscriber.subscribe(this.channel).catch(() => undefined);
    this.subscriber = subscriber;
    this.client.once('end', this.onClientEnd);
  }
}

function parseKeys(text: string): string[] | undefined {
  try {
    const keys: unknown = JSON.parse(text);
    return Array.isArray(keys) && keys.every((k) => typeof k === 'string') ? keys : undefined;
  } catch {
    return undefined;
  }
}
