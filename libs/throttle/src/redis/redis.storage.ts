import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { StoreTime } from '../clock';
import type { ReplicaWait } from '../options/replica-wait';
import { RuleState, StorageHealth, ThrottleDecision, ThrottleRequest, ThrottleRule, ThrottleStorage } from '../storage/throttle-storage';
import { BOOT_CONNECT_WAIT_MS, RedisConnection } from './redis-connection';
import { runThenWait } from './replica-wait';
import { servingNode } from './serving-node';
import { SLIDING_LOG_COMMAND, SLIDING_LOG_SCRIPT } from './sliding-log.script';
import { groupBySlot } from './slot-groups';

/** Options of {@link RedisThrottleStorage}. */
export interface RedisThrottleStorageOptions {
  /**
   * Read time from this clock instead of Redis `TIME` (see `ThrottleClock.storeTime`: only test clocks
   * offer one). Production leaves it unset: one clock (Redis) keeps replicas with skewed clocks in agreement.
   */
  storeTime?: StoreTime;
  /** Whether the store quits the client in {@link close}. Default false (app-owned). */
  ownsClient?: boolean;
  /** `WAIT replicas timeoutMs` pipelined behind every script (see replica-wait.ts). Default off. */
  replicaWait?: ReplicaWait;
}

interface ScriptResult {
  readonly allowed: boolean;
  readonly nowUs: number;
  readonly states: RuleState[];
}

/**
 * The shared store: one sorted set per key holding its admission log, and one Lua script per request
 * deciding all its rules atomically with Redis `TIME` as the clock. Works with `Redis` and `Cluster`.
 * Keys get the client's `keyPrefix`. On a cluster, rules whose keys hash to different slots (scopes
 * with different identities on one route) are decided slot group by slot group, and the admission is
 * withdrawn from earlier groups when a later one refuses: never over-admits, briefly holds a slot.
 * Errors propagate: wrap it in {@link ResilientThrottleStorage} for timeouts and the failure policy.
 * Needs Redis >= 5 (scripts replicated by effects, so a script may read `TIME` and then write).
 *
 * @example
 * const storage = new RedisThrottleStorage(new Redis({ keyPrefix: 'throttle:', enableOfflineQueue: false }));
 * await storage.consume({ rules: [{ key: 'hi:{abc}', limit: 60, windowMs: 60_000 }] });
 */
export class RedisThrottleStorage extends ThrottleStorage {
  private readonly instanceId = randomBytes(6).toString('base64url');
  private sequence = 0;
  private corked = false;
  private readonly keyPrefix: string;
  private readonly isCluster: boolean;

  constructor(
    readonly client: Redis | Cluster,
    private readonly options: RedisThrottleStorageOptions = {},
  ) {
    super();
    client.defineCommand(SLIDING_LOG_COMMAND, { lua: SLIDING_LOG_SCRIPT });
    this.isCluster = (client as Cluster).isCluster === true;
    this.keyPrefix = String(client.options.keyPrefix ?? '');
  }

  /** A store over a {@link RedisConnection}; quits the client on {@link close} when the connection is owned. */
  static fromConnection(connection: RedisConnection, options: RedisThrottleStorageOptions = {}): RedisThrottleStorage {
    return new RedisThrottleStorage(connection.client, { ...options, ownsClient: connection.owned });
  }

  override health(): StorageHealth {
    const state = this.client.status === 'ready' ? 'ok' : 'degraded';
    return { store: 'redis', state, status: this.client.status, ...servingNode(this.client) };
  }

  async consume(request: ThrottleRequest): Promise<ThrottleDecision> {
    const rules = request.rules;
    const groups = this.isCluster ? groupBySlot(rules, this.keyPrefix) : undefined;
    if (groups === undefined) {
      const result = await this.run(rules, this.nextSuffix(), true);
      return { allowed: result.allowed, states: result.states };
    }
    return this.consumeAcrossSlots(rules, groups);
  }

  /** Connects a lazily created (owned) client; resolves when ready, rejects after `waitMs`. */
  async open(waitMs = BOOT_CONNECT_WAIT_MS): Promise<void> {
    if (!this.options.ownsClient || this.client.status !== 'wait') return;
    let timer: NodeJS.Timeout | undefined;
    let cause: unknown; // connect() rejects with "Connection is closed"; the socket error says why
    const onError = (error: unknown) => {
      if (cause === undefined || (error as { code?: unknown }).code !== undefined) cause = error;
    };
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(cause ?? new Error(`not connected after ${waitMs} ms`)), waitMs);
    });
    this.client.on('error', onError).on('node error', onError);
    try {
      await Promise.race([this.client.connect(), timeout]);
    } catch (error) {
      // The socket's or the server's reason (ECONNREFUSED, a TLS error, WRONGPASS) rather than "Connection is closed".
      const generic = error instanceof Error && error.message.startsWith('Connection is closed');
      throw (cause as { code?: unknown } | undefined)?.code !== undefined || (generic && cause !== undefined) ? cause : error;
    } finally {
      clearTimeout(timer);
      this.client.off('error', onError).off('node error', onError);
    }
  }

  /** Quits an owned client and waits until it has ended (bounded: disconnects if QUIT does not answer); leaves app clients alone. */
  async close(): Promise<void> {
    const client = this.client;
    if (!this.options.ownsClient || client.status === 'end') return;
    if (client.status !== 'ready') return client.disconnect(); // nothing in flight: stop reconnecting
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<void>((resolve) => {
      client.once('end', () => resolve());
      timer = setTimeout(() => (client.disconnect(), resolve()), 1_000);
    });
    client.quit().catch(() => client.disconnect());
    await ended;
    clearTimeout(timer);
  }

  private async consumeAcrossSlots(rules: readonly ThrottleRule[], groups: number[][]): Promise<ThrottleDecision> {
    const suffix = this.nextSuffix();
    const states: RuleState[] = new Array(rules.length);
    const admitted: { group: number[]; nowUs: number }[] = [];
    let allowed = true;
    for (const group of groups) {
      const result = await this.run(group.map((i) => rules[i]), suffix, allowed);
      group.forEach((ruleIndex, j) => (states[ruleIndex] = result.states[j]));
      if (allowed && result.allowed) admitted.push({ group, nowUs: result.nowUs });
      allowed &&= result.allowed;
    }
    if (allowed) return { allowed, states };
    for (const { group, nowUs } of admitted) {
      const member = `${nowUs}:${suffix}`;
      await Promise.all(group.map((i) => this.client.zrem(rules[i].key, member)));
      for (const i of group) states[i] = withdrawn(states[i], rules[i]);
    }
    return { allowed, states };
  }

  private async run(rules: readonly ThrottleRule[], suffix: string, record: boolean): Promise<ScriptResult> {
    const args: (string | number)[] = rules.map((rule) => rule.key);
    const time = this.options.storeTime;
    args.push(time ? String(Math.round(time.now() * 1000)) : '', suffix, time ? time.ttlSlackMs : 0, record ? 1 : 0);
    for (const rule of rules) args.push(rule.limit, rule.windowMs);
    const reply = await this.send(rules.length, args);
    const allowed = reply[0] === 1;
    const admitted = allowed && record; // a check-only run serves a request another slot group refused
    const states = rules.map((rule, i) => stateOf(rule, admitted, reply[2 + 3 * i], reply[3 + 3 * i], reply[4 + 3 * i]));
    return { allowed, nowUs: reply[1], states };
  }

  /**
   * Runs the script. On a single Redis, the socket is corked for the rest of the event-loop turn, so
   * the calls of requests that arrived together leave in one write instead of one syscall each. Each
   * call is still its own script: atomicity per request is unchanged. (Cluster clients send directly.)
   */
  private send(numKeys: number, args: (string | number)[]): Promise<number[]> {
    if (this.options.replicaWait) return runThenWait(this.client, this.options.replicaWait, numKeys, args);
    if (!this.isCluster && !this.corked) {
      const stream = (this.client as Redis & { stream?: { cork?(): void; uncork?(): void; writable?: boolean } }).stream;
      if (stream?.writable && typeof stream.cork === 'function') {
        stream.cork();
        this.corked = true;
        setImmediate(() => {
          this.corked = false;
          stream.uncork?.();
        });
      }
    }
    return this.client.throttleSlidingLog(numKeys, ...args);
  }

  private nextSuffix(): string {
    this.sequence = (this.sequence + 1) % Number.MAX_SAFE_INTEGER;
    return `${this.instanceId}:${this.sequence.toString(36)}`;
  }
}

/** One rule's state from the script's raw counts (microsecond ages), exactly as the memory store reports it. */
function stateOf(rule: ThrottleRule, allowed: boolean, count: number, oldestAgeUs: number, freeingAgeUs: number): RuleState {
  const windowUs = rule.windowMs * 1000;
  if (allowed) {
    const resetUs = oldestAgeUs < 0 ? windowUs : windowUs - oldestAgeUs;
    return { remaining: rule.limit - count - 1, resetMs: resetUs / 1000, retryAfterMs: 0 };
  }
  return {
    remaining: Math.max(0, rule.limit - count),
    resetMs: oldestAgeUs < 0 ? 0 : (windowUs - oldestAgeUs) / 1000,
    retryAfterMs: freeingAgeUs < 0 ? 0 : (windowUs - freeingAgeUs) / 1000,
  };
}

/** The state of a rule whose admission was withdrawn (another slot group refused the request). */
function withdrawn(state: RuleState, rule: ThrottleRule): RuleState {
  const remaining = state.remaining + 1;
  return { remaining, resetMs: remaining === rule.limit ? 0 : state.resetMs, retryAfterMs: 0 };
}
