import type { DenyCache } from './deny-cache';
import type { PrimaryStorage } from './resilient-options';
import type { ShardBreakers } from './shard-breakers';
import { describeError } from './store-timeout';

/**
 * The store's life under `ResilientThrottleStorage`: opened at boot (degraded instead of failing), its
 * ready-again and shard news closing circuits, the keys other instances forget reaching the deny cache,
 * every subscription ended and the store closed at shutdown.
 */
export class StoreLifecycle {
  private stopWatching: (() => void)[] = [];
  private stopForgotten?: () => void;

  constructor(
    private readonly primary: PrimaryStorage,
    private readonly breakers: ShardBreakers,
  ) {}

  /**
   * Before the app serves: waits until the store can decide at once (at most `bootTimeoutMs`), else logs
   * one line and starts degraded (the policy decides) instead of failing. From then on, whenever the
   * store is ready again after a reconnection, the circuit closes at once (no traffic or probe needed);
   * on a cluster, so does a failing master's once it answers again or its slots have a new master.
   */
  async open(bootTimeoutMs: number): Promise<void> {
    const watches = [
      this.primary.watchReady?.(() => this.breakers.closeAll('connection ready')),
      this.primary.watchShards?.((shard, reason, gone) =>
        gone ? this.breakers.forget(shard, reason) : this.breakers.close(shard, reason),
      ),
    ];
    this.stopWatching = watches.filter((stop) => stop !== undefined);
    try {
      await this.primary.open?.(bootTimeoutMs);
    } catch (error) {
      this.breakers.of('').trip(`${describeError(error)} at boot`);
    }
  }

  /** Once the deny cache holds a refusal: forget the keys any instance refunds or resets (see ForgetChannel). */
  learnForgotten(cache: DenyCache): void {
    if (this.stopForgotten !== undefined) return;
    this.stopForgotten = this.primary.watchForgotten?.((keys) => cache.forget(keys)) ?? (() => undefined);
  }

  /** Ends every subscription, then closes the store. */
  async close(): Promise<void> {
    this.stopForgotten?.();
    for (const stop of this.stopWatching) stop();
    await this.primary.close?.();
  }
}
