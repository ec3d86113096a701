import { Logger, LoggerService, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MonotonicClock, ThrottleClock } from '../../clock';
import type { CircuitState } from '../circuit-breaker';
import { logCircuitChange } from './circuit-log';
import { DEFAULT_DENY_CACHE_MAX_KEYS, DenyCache } from './deny-cache';
import { MemoryThrottleStorage } from '../memory/memory.storage';
import { LocalShareStorage } from './local-share.storage';
import { DEFAULT_STORE_BOOT_TIMEOUT_MS, StoreTimeoutError, withTimeout } from './store-timeout';
import { DEFAULT_STORE_TIMEOUT_MS, OnStoreError, PrimaryStorage, ResilientStorageOptions } from './resilient-options';
import { ResilientControls } from './resilient-controls';
import { ShardBreakers } from './shard-breakers';
import type { FallbackReason, ThrottleStoreEvents, ThrottleStoreStats } from '../store-events';
import { StoreTally } from './store-tally';
import { StoreLifecycle } from './store-lifecycle';
import { StorageHealth, ThrottleDecision, ThrottleRequest, ThrottleStorage, ThrottleStoreUnavailableError } from '../throttle-storage';

/**
 * The failure policy around a shared store: a per-request timeout, a circuit breaker, a local deny
 * cache, and the `onStoreError` policy. Logs one line per outage and one per recovery (context
 * `Throttle`), and publishes events for metrics ({@link subscribe}).
 *
 * A sharded store (a Redis Cluster: `shardOf` names the master deciding a request) gets one breaker
 * per master: only the requests on a failing master's slots go to the policy, the others stay shared
 * and exact. The store is told of each failure (`shardFailed`: the cluster learns its slot owners at
 * once) and says when a master is back or gone (`watchShards`), which closes its circuit.
 *
 * Under `allow`, an undecided request is admitted and reports `remaining = limit - 1`,
 * `resetMs = windowMs` (as if it opened a fresh window: the real counts are unknown).
 *
 * @example
 * const storage = new ResilientThrottleStorage(new RedisThrottleStorage(client), { policy: 'local', timeoutMs: 100 });
 * storage.subscribe({ circuitChange: (e) => console.log(e.from, '->', e.to) });
 */
export class ResilientThrottleStorage extends ThrottleStorage implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly policy: OnStoreError;
  readonly timeoutMs: number;
  readonly bootTimeoutMs: number;
  private readonly clock: ThrottleClock;
  private readonly breakers: ShardBreakers;
  private readonly denyCache?: DenyCache;
  private readonly fallback: ThrottleStorage;
  private readonly tally = new StoreTally();
  private readonly logger: LoggerService;
  private readonly storeName: string;
  private readonly lifecycle: StoreLifecycle;
  private readonly controls: ResilientControls;

  constructor(
    readonly primary: PrimaryStorage,
    private readonly options: ResilientStorageOptions = {},
  ) {
    super();
    this.policy = options.policy ?? 'local';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    this.bootTimeoutMs = options.bootTimeoutMs ?? DEFAULT_STORE_BOOT_TIMEOUT_MS;
    this.clock = options.clock ?? new MonotonicClock();
    this.storeName = options.storeName ?? 'redis';
    this.logger = options.logger ?? new Logger('Throttle');
    this.breakers = new ShardBreakers(this.clock, options.breaker, (shard, from, to, reason) =>
      this.onCircuitChange(shard, from, to, reason),
    );
    this.lifecycle = new StoreLifecycle(primary, this.breakers);
    const denyKeys = options.denyCacheMaxKeys ?? DEFAULT_DENY_CACHE_MAX_KEYS;
    if (denyKeys > 0) this.denyCache = new DenyCache(this.clock, denyKeys);
    this.fallback = LocalShareStorage.wrap(
      options.fallback ?? new MemoryThrottleStorage(options.memory, this.clock),
      options.instances ?? 1,
    );
    this.fallback.subscribe({ eviction: (event) => this.tally.events.emit('eviction', event) });
    this.controls = new ResilientControls({
      ...{ primary, fallback: this.fallback, policy: this.policy, storeName: this.storeName, denyCache: this.denyCache },
      attempt: (request, call) => {
        const shard = this.primary.shardOf?.(request) ?? '';
        return this.breakers.attempt(shard, this.timeoutMs, call, (error) => this.onStoreError(error, shard));
      },
      now: () => this.clock.now(),
    });
  }

  /** The worst circuit state over the store's shards (see {@link ShardBreakers.state}). */
  get circuit(): CircuitState {
    return this.breakers.state;
  }

  consume(request: ThrottleRequest): Promise<ThrottleDecision> {
    return this.consumeFromStore(request);
  }

  private async consumeFromStore(request: ThrottleRequest): Promise<ThrottleDecision> {
    const started = performance.now();
    const shard = this.primary.shardOf?.(request) ?? '';
    const breaker = this.breakers.of(shard);
    if (!breaker.tryAcquire()) return this.byPolicy(request, started, 'circuit_open');
    const sentAt = this.clock.now();
    let decision: ThrottleDecision;
    try {
      const primary = this.primary;
      decision = await (primary.consumeWithin !== undefined
        ? primary.consumeWithin(request, this.timeoutMs)
        : withTimeout(primary.consume(request), this.timeoutMs));
    } catch (error) {
      this.onStoreError(error, shard);
      return this.byPolicy(request, started, error instanceof StoreTimeoutError ? 'timeout' : 'store_error');
    }
    breaker.onSuccess();
    if (shard !== '') this.breakers.close('', `master ${shard} answers`); // e.g. the store did not open at boot
    this.denyCache?.remember(request, decision, sentAt);
    if (!decision.allowed && this.denyCache !== undefined) this.lifecycle.learnForgotten(this.denyCache);
    return this.tally.decided('store', decision, started);
  }

  /** `ThrottleService.check`: the store's peek under the timeout and breaker, else by `onStoreError` (see resilient-controls.ts). */
  override peek(request: ThrottleRequest): Promise<ThrottleDecision> {
    return this.controls.peek(request);
  }

  /** Refunds on the store (the deny caches forget the keys); throws {@link ThrottleStoreUnavailableError} when it cannot. */
  override refund(request: ThrottleRequest): Promise<number[]> {
    return this.controls.refund(request);
  }

  /** Blocks the keys on the store; throws {@link ThrottleStoreUnavailableError} when it cannot. */
  override block(request: ThrottleRequest, blockMs: number): Promise<number[]> {
    return this.controls.block(request, blockMs);
  }

  /** Resets the keys on the store, in the deny caches and the fallback; throws {@link ThrottleStoreUnavailableError} when it cannot. */
  override reset(keys: readonly string[]): Promise<void> {
    return this.controls.reset(keys);
  }

  /** The local deny cache's refusal (exact: the store cannot admit before it ends), else undefined. */
  override decideSync(request: ThrottleRequest): ThrottleDecision | undefined {
    if (this.denyCache === undefined) return undefined;
    const started = performance.now();
    const cached = this.denyCache.check(request);
    if (cached === undefined) return undefined;
    this.tally.denyCacheHit(request, cached);
    return this.tally.decided('deny-cache', cached, started);
  }

  override health(): StorageHealth {
    const primary = this.primary.health();
    const circuit = this.breakers.state;
    const state = circuit === 'closed' && primary.state === 'ok' ? 'ok' : 'degraded';
    const down = this.breakers.down;
    return { ...primary, store: this.storeName, state, circuit, policy: this.policy, ...(down.length > 0 ? { mastersDown: down } : {}) };
  }

  override subscribe(listener: ThrottleStoreEvents): () => void {
    return this.tally.events.subscribe(listener);
  }

  /** Running totals since start (decisions by source, store errors, timeouts, circuit openings). */
  stats(): Readonly<ThrottleStoreStats> {
    return this.tally.stats();
  }

  /** Before the app serves: opens the store within `bootTimeoutMs`, else starts degraded (see {@link StoreLifecycle.open}). */
  onApplicationBootstrap(): Promise<void> {
    return this.lifecycle.open(this.bootTimeoutMs);
  }

  /** The keys any instance refunds or resets, as the shared store tells them (see ForgetChannel); returns the unsubscribe. */
  override watchForgotten(listener: (keys: readonly string[]) => void): () => void {
    return this.primary.watchForgotten?.(listener) ?? (() => undefined);
  }

  /** Ends the store's subscriptions, then closes it. */
  onApplicationShutdown(): Promise<void> {
    return this.lifecycle.close();
  }

  private async byPolicy(request: ThrottleRequest, started: number, reason: FallbackReason): Promise<ThrottleDecision> {
    if (this.policy === 'deny') {
      this.tally.decided('policy', { allowed: false, states: [] }, started, reason);
      throw new ThrottleStoreUnavailableError(`The ${this.storeName} throttle store is unavailable (onStoreError: deny)`);
    }
    if (this.policy === 'allow') {
      const states = request.rules.map((rule) => ({ remaining: rule.limit - 1, resetMs: rule.windowMs, retryAfterMs: 0 }));
      return this.tally.decided('policy', { allowed: true, states }, started, reason);
    }
    return this.tally.decided('policy', await this.fallback.consume(request), started, reason);
  }

  private onStoreError(error: unknown, shard: string): void {
    this.breakers.of(shard).onFailure(this.tally.storeError(error, shard));
    this.primary.shardFailed?.(shard);
  }

  private onCircuitChange(shard: string, from: CircuitState, to: CircuitState, reason: string): void {
    this.tally.circuitChange(shard, from, to, reason);
    const name = `${this.storeName[0].toUpperCase()}${this.storeName.slice(1)} store`;
    const where = this.options.description ? ` ${this.options.description}` : '';
    logCircuitChange(this.logger, `${name}${where}`, this.policy, shard, from, to, reason);
  }
}
