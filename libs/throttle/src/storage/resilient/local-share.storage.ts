import type { ThrottleStoreEvents } from '../store-events';
import { RuleState, StorageHealth, ThrottleDecision, ThrottleRequest, ThrottleRule, ThrottleStorage } from '../throttle-storage';

/**
 * One instance's share of a limit the whole fleet shares: `ceil(limit / instances)`, never below 1.
 *
 * @example
 * localShare(6, 2);   // 3
 * localShare(100, 6); // 17: six instances admit at most 102, not 600
 */
export function localShare(limit: number, instances: number): number {
  return Math.ceil(limit / instances);
}

/**
 * The `local` policy's store when `instances` processes share the store: decides every rule under this
 * process's share of its limit and GCRA burst ({@link localShare}; the window unchanged), so while the shared store is
 * down the whole fleet stays near the global limit instead of `instances` times it. Each state reports
 * the limit it was decided under (`RuleState.limit`), so the headers tell the truth.
 *
 * @example
 * const fallback = LocalShareStorage.wrap(new MemoryThrottleStorage({}, clock), 6);
 */
export class LocalShareStorage extends ThrottleStorage {
  private constructor(
    private readonly local: ThrottleStorage,
    readonly instances: number,
  ) {
    super();
  }

  /** `local` itself for one instance (nothing to divide), else `local` deciding under each rule's share. */
  static wrap(local: ThrottleStorage, instances: number): ThrottleStorage {
    if (!Number.isSafeInteger(instances) || instances < 1) {
      throw new TypeError(`Invalid throttle config: instances must be a positive integer, got ${instances}`);
    }
    return instances === 1 ? local : new LocalShareStorage(local, instances);
  }

  async consume(request: ThrottleRequest): Promise<ThrottleDecision> {
    const rules = this.shareOf(request);
    return this.reported(rules, await this.local.consume({ rules }));
  }

  /** The local store's peek under each rule's share (see {@link ThrottleStorage.peek}). */
  override async peek(request: ThrottleRequest): Promise<ThrottleDecision> {
    const rules = this.shareOf(request);
    if (this.local.peek === undefined) throw new TypeError(`${this.local.constructor.name} has no peek()`);
    return this.reported(rules, await this.local.peek({ rules }));
  }

  /** Each rule at this instance's share: never below the request's cost (it could never be admitted); a GCRA burst is shared too. */
  private shareOf(request: ThrottleRequest): ThrottleRule[] {
    return request.rules.map((rule): ThrottleRule => {
      const cost = rule.cost ?? 1;
      const limit = Math.max(localShare(rule.limit, this.instances), cost);
      const burst = rule.burst === undefined ? undefined : Math.max(localShare(rule.burst, this.instances), cost);
      return { ...rule, limit, burst };
    });
  }

  private reported(rules: readonly ThrottleRule[], decision: ThrottleDecision): ThrottleDecision {
    const states = decision.states.map((state, i): RuleState => ({ ...state, limit: rules[i].limit }));
    return { allowed: decision.allowed, states };
  }

  override health(): StorageHealth {
    return this.local.health();
  }

  override subscribe(listener: ThrottleStoreEvents): () => void {
    return this.local.subscribe(listener);
  }
}
