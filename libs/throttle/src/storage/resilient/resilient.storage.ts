import { Logger, LoggerService, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MonotonicClock, ThrottleClock } from '../../clock';
import type { CircuitState } from '../circuit-breaker';
import { logCircuitChange } from './circuit-log';
import { DEFAULT_DENY_CACHE_MAX_KEYS, DenyCache } from './deny-cache';
import { MemoryThrottleStorage } from '../memory/memory.storage';
import { LocalShareStorage } from './local-share.storage';
import { DEFAULT_STORE_BOOT_TIMEOUT_MS, describeError, StoreTimeoutError, withTimeout } from './store-timeout';
import { DEFAULT_STORE_TIMEOUT_MS, OnStoreError, PrimaryStorage, ResilientStorageOptions } from './resilient-options';
import { ResilientControls } from './resilient-controls';
import { ShardBreakers } from './shard-breakers';
import { DecisionSource, FallbackReason, StoreEventHub, ThrottleStoreEvents, ThrottleStoreStats } from '../store-events';
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
  private readonly events = new StoreEventHub();
  private readonly logger: LoggerService;
  private readonly storeName: string;
  private stopWatching: (() => void)[] = [];
  private stopForgotten?: () => void;
  private readonly controls: ResilientControls;
  private readonly counters: ThrottleStoreStats = {
    decisions: 0,
    storeDecisions: 0,
    policyDecisions: 0,
    denyCacheHits: 0,
    storeErrors: 0,
    timeouts: 0,
    circuitOpens: 0,
  };

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
    const denyKeys = options.denyCacheMaxKeys ?? DEFAULT_DENY_CACHE_MAX_KEYS;
    if (denyKeys > 0) this.denyCache = new DenyCache(this.clock, denyKeys);
    this.fallback = LocalShareStorage.wrap(
      options.fallback ?? new MemoryThrottleStorage(options.memory, this.clock),
      options.instances ?? 1,
    );
    this.fallback.subscribe({ eviction: (event) => this.events.emit('eviction', event) });
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
    if (!decision.allowed) this.learnForgotten();
    return this.decided('store', decision, started);
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
    this.counters.denyCacheHits += 1;
    if (this.events.active) {
      const full = cached.states.findIndex((state) => state.retryAfterMs > 0);
      this.events.emit('denyCacheHit', { key: request.rules[full].key });
    }
    return this.decided('deny-cache', cached, started);
  }

  override health(): StorageHealth {
    const primary = this.primary.health();
    const circuit = this.breakers.state;
    const state = circuit === 'closed' && primary.state === 'ok' ? 'ok' : 'degraded';
    const down = this.breakers.down;
    return { ...primary, store: this.storeName, state, circuit, policy: this.policy, ...(down.length > 0 ? { mastersDown: down } : {}) };
  }

  override subscribe(listener: ThrottleStoreEvents): () => void {
    return this.events.subscribe(listener);
  }

  /** Running totals since start (decisions by source, store errors, timeouts, circuit openings). */
  stats(): Readonly<ThrottleStoreStats> {
    return { ...this.counters };
  }

  /**
   * Before the app serves: waits until the store can decide at once (at most `bootTimeoutMs`), else logs
   * one line and starts degraded (the policy decides) instead of failing. From then on, whenever the
   * store is ready again after a reconnection, the circuit closes at once (no traffic or probe needed);
   * on a cluster, so does a failing master's once it answers again or its slots have a new master.
   */
  async onApplicationBootstrap(): Promise<void> {
    const watches = [
      this.primary.watchReady?.(() => this.breakers.closeAll('connection ready')),
      this.primary.watchShards?.((shard, reason, gone) =>
        gone ? this.breakers.forget(shard, reason) : this.breakers.close(shard, reason),
      ),
    ];
    this.stopWatching = watches.filter((stop) => stop !== undefined);
    try {
      await this.primary.open?.(this.bootTimeoutMs);
    } catch (error) {
      this.breakers.of('').trip(`${describeError(error)} at boot`);
    }
  }

  /** The keys any instance refunds or resets, as the shared store tells them (see ForgetChannel); returns the unsubscribe. */
  override watchForgotten(listener: (keys: readonly string[]) => void): () => void {
    return this.primary.watchForgotten?.(listener) ?? (() => undefined);
  }

  /** Once the deny cache holds a refusal: forget the keys any instance refunds or resets (see ForgetChannel). */
  private learnForgotten(): void {
    if (this.denyCache === undefined || this.stopForgotten !== undefined) return;
    const cache = this.denyCache;
    this.stopForgotten = this.primary.watchForgotten?.((keys) => cache.forget(keys)) ?? (() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopForgotten?.();
    for (const stop of this.stopWatching) stop();
    await this.primary.close?.();
  }

  private async byPolicy(request: ThrottleRequest, started: number, reason: FallbackReason): Promise<ThrottleDecision> {
    if (this.policy === 'deny') {
      this.decided('policy', { allowed: false, states: [] }, started, reason);
      throw new ThrottleStoreUnavailableError(`The ${this.storeName} throttle store is unavailable (onStoreError: deny)`);
    }
    if (this.policy === 'allow') {
      const states = request.rules.map((rule) => ({ remaining: rule.limit - 1, resetMs: rule.windowMs, retryAfterMs: 0 }));
      return this.decided('policy', { allowed: true, states }, started, reason);
    }
    return this.decided('policy', await this.fallback.consume(request), started, reason);
  }

  private decided(source: DecisionSource, decision: ThrottleDecision, started: number, reason?: FallbackReason): ThrottleDecision {
    this.counters.decisions += 1;
    if (source === 'store') this.counters.storeDecisions += 1;
    else if (source === 'policy') this.counters.policyDecisions += 1;
    if (this.events.active) {
      this.events.emit('decision', { source, allowed: decision.allowed, latencyMs: performance.now() - started, reason });
    }
    return decision;
  }

  private onStoreError(error: unknown, shard: string): void {
    this.counters.storeErrors += 1;
    if (error instanceof StoreTimeoutError) this.counters.timeouts += 1;
    const reason = describeError(error);
    this.events.emit('storeError', { reason, error, ...(shard === '' ? {} : { shard }) });
    this.breakers.of(shard).onFailure(reason);
    this.primary.shardFailed?.(shard);
  }

  private onCircuitChange(shard: string, from: CircuitState, to: CircuitState, reason: string): void {
    if (to === 'open') this.counters.circuitOpens += 1;
    this.events.emit('circuitChange', { from, to, reason, ...(shard === '' ? {} : { shard }) });
    const name = `${this.storeName[0].toUpperCase()}${this.storeName.slice(1)} store`;
    const where = this.options.description ? ` ${this.options.description}` : '';
    logCircuitChange(this.logger, `${name}${where}`, this.policy, shard, from, to, reason);
  }
}
