import type { Cluster } from 'ioredis';
import type { StoreTime } from '../clock';
import type { RuleState, ThrottleDecision, ThrottleRule } from '../storage/throttle-storage';
import type { RecordMode } from './sliding-log.script';
import { WITHDRAW_COMMAND, WITHDRAW_SCRIPT } from './withdraw.script';

/** One slot group's answer from the sliding-log script. */
export interface ScriptResult {
  readonly allowed: boolean;
  readonly nowUs: number;
  readonly states: RuleState[];
}

/** Runs the sliding-log script on rules that share one slot. */
export type RunScript = (rules: readonly ThrottleRule[], suffix: string, mode: RecordMode) => Promise<ScriptResult>;

/**
 * The Redis Cluster path of a request whose rules hash to several slots (scopes with different
 * identities on one route): one script per slot group, in order. Every group but the last logs its
 * admission provisionally; when a later group refuses, the request is refused and those admissions are
 * withdrawn. Never over-admits; the withdrawn admission briefly held its slot.
 *
 * Another request refused because of a provisional admission must not be deny-cached on its account
 * (issue 9, item 7): the script reports, per refused rule, how long the key stays full counting only
 * admissions that can no longer be withdrawn (`certainRetryAfterMs`), and the deny cache uses that.
 * Provisional admissions are marked in the log and can be withdrawn only within `WITHDRAW_HORIZON_MS`,
 * after which they count as certain, so a full key is deny-cached again a second after its last
 * cross-slot admission. (Never deny-caching cross-slot refusals would miss the single-scope routes that
 * share the key; ignoring marked admissions for good would keep a flood on a cross-slot route off the
 * deny cache.)
 *
 * @example
 * const crossSlot = new CrossSlotConsumer(cluster, (rules, suffix, mode) => run(rules, suffix, mode), undefined);
 * await crossSlot.consume(rules, [[0, 2], [1]], 'a1:7');
 */
export class CrossSlotConsumer {
  constructor(
    private readonly client: Cluster,
    private readonly run: RunScript,
    private readonly storeTime: StoreTime | undefined,
  ) {
    client.defineCommand(WITHDRAW_COMMAND, { lua: WITHDRAW_SCRIPT });
  }

  /** Decides `rules` group by group (`groups`: rule indexes per slot, in order); `suffix` names the request. */
  async consume(rules: readonly ThrottleRule[], groups: readonly number[][], suffix: string): Promise<ThrottleDecision> {
    const states: RuleState[] = new Array(rules.length);
    const admitted: { group: readonly number[]; nowUs: number }[] = [];
    let allowed = true;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g];
      const mode: RecordMode = !allowed ? 'check' : g < groups.length - 1 ? 'provisional' : 'record';
      const result = await this.run(group.map((i) => rules[i]), suffix, mode);
      group.forEach((ruleIndex, j) => (states[ruleIndex] = result.states[j]));
      if (allowed && result.allowed) admitted.push({ group, nowUs: result.nowUs });
      allowed &&= result.allowed;
    }
    if (allowed) return { allowed, states };
    for (const { group, nowUs } of admitted) {
      await this.withdraw(group.map((i) => rules[i].key), `p${nowUs}:${suffix}`, nowUs);
      for (const i of group) states[i] = withdrawn(states[i], rules[i]);
    }
    return { allowed, states };
  }

  /** Withdraws one group's provisional admission (a no-op once older than the horizon: it then stays). */
  private async withdraw(keys: string[], member: string, atUs: number): Promise<void> {
    const now = this.storeTime ? String(Math.round(this.storeTime.now() * 1000)) : '';
    await this.client.throttleWithdraw(keys.length, ...keys, now, member, String(atUs));
  }
}

/** The state of a rule whose admission was withdrawn (another slot group refused the request). */
function withdrawn(state: RuleState, rule: ThrottleRule): RuleState {
  const remaining = state.remaining + 1;
  return { remaining, resetMs: remaining === rule.limit ? 0 : state.resetMs, retryAfterMs: 0 };
}
