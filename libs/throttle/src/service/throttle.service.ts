import { Inject, Injectable, Optional } from '@nestjs/common';
import { algorithmNamed } from '../algorithms/registry';
import { ControlCounter, controlCounters } from '../metrics/control-counter';
import { OtelThrottleMetrics } from '../metrics/otel-metrics';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import { ruleOf } from '../core/rule-builder';
import { THROTTLE_CONFIG } from '../core/throttle.tokens';
import { ThrottleDecider } from '../core/decider';
import type { CompiledScope, ThrottleConfig } from '../options/normalize-options';
import { parseDuration } from '../options/grammar/duration';
import { capacityOf } from '../options/scope-rate';
import { required } from '../storage/resilient/resilient-controls';
import { MemoryThrottleStorage } from '../storage/memory/memory.storage';
import { scopeStoreKey, tierKey } from '../storage/store-key';
import { ThrottleDecision, ThrottleRule, ThrottleStorage } from '../storage/throttle-storage';
import { IdentityInput, resolveIdentity, ThrottleIdentity } from './throttle-identity';

/** Options of a {@link ThrottleService} call. */
export interface ThrottleCallOptions {
  /** Units to check, consume or refund; default the scope's `cost`. A positive integer within the scope's limit (GCRA: burst). */
  readonly cost?: number;
}

/** One scope's answer for one identity: what the guard writes as rate-limit headers (in ms here). */
export interface ThrottleResult {
  readonly allowed: boolean;
  readonly scope: string;
  /** The limit decided under: the scope's, or this process's share of it under the `local` fallback. */
  readonly limit: number;
  /** Units still admissible now (after this call's cost, when it was admitted). */
  readonly remaining: number;
  /** Milliseconds until more quota becomes available (headers: `t`, `X-RateLimit-Reset`). */
  readonly resetMs: number;
  /** Milliseconds until this cost would be admitted; 0 when it is (headers: `Retry-After`). */
  readonly retryAfterMs: number;
}

/**
 * The runtime API beside the guard, on the module's store and under its failure policy: read, consume,
 * refund, reset or block one client's counter in a scope, e.g. after a captcha, a password reset, a billing
 * change. The keys are the guard's own (`identityOf` resolves one from a request), so a call and the
 * requests of that client share one counter on every instance. The scope's own rate is used (a tier
 * needs the request: the guard applies it). When the shared store is down: `check` and `consume`
 * follow `onStoreError` like a request (`deny`: {@link ThrottleStoreUnavailableError}); `refund`,
 * `reset` and `block` throw {@link ThrottleStoreUnavailableError} (nothing changed).
 *
 * @example
 * constructor(private readonly throttle: ThrottleService) {}
 * await this.throttle.check('login', '203.0.113.9');            // { allowed: true, remaining: 4, … }, nothing consumed
 * await this.throttle.consume('sms', String(user.id), { cost: 2 });
 * await this.throttle.refund('login', this.throttle.identityOf('login', request));
 * await this.throttle.reset('api', String(user.id));            // after a plan upgrade
 */
@Injectable()
export class ThrottleService {
  private readonly metrics?: ControlCounter;
  /** The store is the embedded memory store: short identities are their own keys (see `scopeStoreKey`). */
  private readonly rawKeys: boolean;

  constructor(
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    @Optional() metrics?: ThrottleMetrics,
    @Optional() otel?: OtelThrottleMetrics,
    @Optional() private readonly decider?: ThrottleDecider,
  ) {
    this.metrics = controlCounters(metrics ?? undefined, otel ?? undefined);
    this.rawKeys = storage instanceof MemoryThrottleStorage;
  }

  /** The identity the scope's key resolves from a request (Express or Fastify, after proxy trust), as the guard would. */
  identityOf(scope: string, request: unknown): ThrottleIdentity {
    return { resolved: this.scopeOf(scope).identity.resolve(request, undefined) };
  }

  /** The store key the guard uses for this (scope, identity): `<scope>:{<hash>}` (a GCRA scope's ends `}:gcra`; the embedded memory store's keeps a short identity unhashed: `<scope>:{~<identity>}`). */
  keyOf(scope: string, identity: IdentityInput): string {
    const s = this.scopeOf(scope);
    return scopeStoreKey(s, resolveIdentity(s, identity), this.rawKeys);
  }

  /** What a request of this identity would get now; consumes nothing. */
  async check(scope: string, identity: IdentityInput, options: ThrottleCallOptions = {}): Promise<ThrottleResult> {
    const { s, rule } = this.ruleOf(scope, identity, options);
    return resultOf(s, rule, await required(this.storage, 'peek')({ rules: [rule] }));
  }

  /** A decision under the scope's rate for this identity, recorded when admitted (atomic: exact under concurrency). */
  async consume(scope: string, identity: IdentityInput, options: ThrottleCallOptions = {}): Promise<ThrottleResult> {
    const { s, rule } = this.ruleOf(scope, identity, options);
    return resultOf(s, rule, await this.storage.consume({ rules: [rule] }));
  }

  /**
   * Takes back the identity's latest `cost` units, never below zero: a sliding log's newest admissions in
   * the window; a GCRA key's arrival time moved back by `cost` intervals, never before now. It never lifts
   * a block (only `reset` does). Resolves with the units taken back (a GCRA scope's rounded up).
   */
  async refund(scope: string, identity: IdentityInput, options: ThrottleCallOptions = {}): Promise<number> {
    const { rule } = this.ruleOf(scope, identity, options);
    const [taken] = await required(this.storage, 'refund')({ rules: [rule] });
    if (taken > 0) this.metrics?.countControl(rule.scope ?? scope, 'refund');
    return taken;
  }

  /** Forgets the identity's counter in the scope (and its client-chosen tiers' counters): a fresh start. */
  async reset(scope: string, identity: IdentityInput): Promise<void> {
    const s = this.scopeOf(scope);
    const key = scopeStoreKey(s, resolveIdentity(s, identity), this.rawKeys);
    const tiers = s.tier?.beforeGuards ? [...s.tier.rates.values()].map((rate) => tierKey(key, rate)) : [];
    await required(this.storage, 'reset')([key, ...tiers]);
    this.decider?.forgetBlocks([key, ...tiers]); // this process's refusals then ask the store again (others: its forget channel)
    this.metrics?.countControl(s.name, 'reset');
  }

  /**
   * Blocks the identity in a sliding-log scope for `duration` (`'15m'`, `'1h'`, or milliseconds): every
   * instance refuses it until then, whatever its window says; `reset` lifts it. A block still active is
   * kept as it is. Resolves with the milliseconds left of the block.
   */
  async block(scope: string, identity: IdentityInput, duration: string | number): Promise<number> {
    const blockMs = parseDuration(duration, 'ThrottleService.block: duration');
    const { s, rule } = this.ruleOf(scope, identity, {});
    if (!algorithmNamed(s.algorithm).blocks)
      throw new RangeError(`ThrottleService.block: scope "${s.name}" is not a sliding log (a ${s.algorithm} key holds no block)`);
    const [leftMs] = await required(this.storage, 'block')({ rules: [rule] }, blockMs);
    if (leftMs === blockMs) this.metrics?.countControl(s.name, 'block');
    return leftMs;
  }

  private ruleOf(scope: string, identity: IdentityInput, options: ThrottleCallOptions): { s: CompiledScope; rule: ThrottleRule } {
    const s = this.scopeOf(scope);
    const cost = options?.cost ?? s.cost;
    const capacity = capacityOf(s);
    if (!Number.isSafeInteger(cost) || cost < 1 || cost > capacity) {
      throw new RangeError(
        `ThrottleService: cost must be an integer from 1 to ${capacity} (scope "${s.name}"), got ${JSON.stringify(cost)}`,
      );
    }
    return { s, rule: ruleOf(s, scopeStoreKey(s, resolveIdentity(s, identity), this.rawKeys), s, cost) };
  }

  private scopeOf(scope: string): CompiledScope {
    const s = typeof scope === 'string' ? this.config.scopes.get(scope) : undefined;
    if (s !== undefined) return s;
    const known = [...this.config.scopes.keys()].join(', ');
    throw new RangeError(`ThrottleService: unknown scope ${JSON.stringify(scope)} (known scopes: ${known})`);
  }
}

function resultOf(s: CompiledScope, rule: ThrottleRule, decision: ThrottleDecision): ThrottleResult {
  const state = decision.states[0];
  return {
    allowed: decision.allowed,
    scope: s.name,
    limit: state.limit ?? rule.limit,
    remaining: state.remaining,
    resetMs: state.resetMs,
    retryAfterMs: state.retryAfterMs,
  };
}
