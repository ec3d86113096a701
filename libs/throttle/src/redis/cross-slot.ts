import type { LoggerService } from '@nestjs/common';
import type { Cluster } from 'ioredis';
import type { StoreTime } from '../clock';
import { describeError } from '../storage/resilient/store-timeout';
import type { RuleState, ThrottleDecision, ThrottleRule } from '../storage/throttle-storage';
import { stateOf, takeArgs } from './script-reply';
import type { RecordMode } from './decide.script';
import { WITHDRAW_COMMAND, WITHDRAW_SCRIPT } from './withdraw.script';

/** One slot group's answer from the store's script. */
export interface ScriptResult {
  readonly allowed: boolean;
  readonly nowUs: number;
  readonly states: RuleState[];
  /** The raw reply of a single-request call (rule i's numbers at `2 + 4 * i`); the cross-slot path reads it. */
  readonly reply?: readonly number[];
}

/** Runs the store's script on rules that share one slot. */
export type RunScript = (rules: readonly ThrottleRule[], suffix: string, mode: RecordMode) => Promise<ScriptResult>;

/**
 * The Redis Cluster path of a request whose rules hash to several slots (scopes with different
 * identities on one route): one script per slot group, in order. Every group but the last logs its
 * admission provisionally; when a later group refuses, the request is refused and those admissions are
 * withdrawn (a GCRA admission by what is left of its debt: never below the truth, as withdraw.script.ts
 * shows). Never over-admits; the withdrawn admission briefly held its slot.
 *
 * Two guarantees around the withdrawal (issue 9, item 7):
 * - A request Redis refused stays refused, whatever happens to the withdrawal (error, timeout, too
 *   late): the refusal is returned without waiting for it, so neither its error nor its slowness can
 *   reach the failure policy. A lost withdrawal over-counts the request's cost in that slot until the
 *   window passes, or its GCRA debt drains (never over-admits); it is counted ({@link withdrawFailures})
 *   and logged once per run of failures.
 * - Another request refused because of a provisional admission is not deny-cached on its account: the
 *   script reports, per refused rule, how long the key stays full counting only admissions that can no
 *   longer be withdrawn (`certainRetryAfterMs`), and the deny cache uses that. Provisional admissions
 *   are marked in the log (a GCRA key keeps their total as its pending debt: `lua-fragments.ts`) and can
 *   be withdrawn only within `WITHDRAW_HORIZON_MS`; after that they count as certain, so a full key is
 *   deny-cached again a second after its last cross-slot admission.
 *   (Never deny-caching cross-slot refusals would miss the single-scope routes that share the key;
 *   ignoring marked admissions for good would keep a flood on a cross-slot route off the deny cache.)
 *
 * @example
 * const crossSlot = new CrossSlotConsumer(cluster, (rules, suffix, mode) => run(rules, suffix, mode), undefined, logger);
 * await crossSlot.consume(rules, [[0, 2], [1]], 'a1:7');
 */
export class CrossSlotConsumer {
  private failures = 0;
  private failing = false;

  constructor(
    private readonly client: Cluster,
    private readonly run: RunScript,
    private readonly storeTime: StoreTime | undefined,
    private readonly logger: LoggerService,
  ) {
    client.defineCommand(WITHDRAW_COMMAND, { lua: WITHDRAW_SCRIPT });
  }

  /** Withdrawals that failed, timed out or came too late since start (each over-counts its request's cost). */
  get withdrawFailures(): number {
    return this.failures;
  }

  /** Decides `rules` group by group (`groups`: rule indexes per slot, in order); `suffix` names the request. */
  async consume(rules: readonly ThrottleRule[], groups: readonly number[][], suffix: string): Promise<ThrottleDecision> {
    const states: RuleState[] = new Array(rules.length);
    const admitted: { group: readonly number[]; result: ScriptResult }[] = [];
    let allowed = true;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g];
      const mode: RecordMode = !allowed ? 'check' : g < groups.length - 1 ? 'provisional' : 'record';
      const result = await this.run(
        group.map((i) => rules[i]),
        suffix,
        mode,
      );
      group.forEach((ruleIndex, j) => (states[ruleIndex] = result.states[j]));
      if (allowed && result.allowed) admitted.push({ group, result });
      allowed &&= result.allowed;
    }
    if (allowed) return { allowed, states };
    for (const { group, result } of admitted) {
      const reply = result.reply ?? [];
      const perKey = group.flatMap((i) => takeArgs(rules[i]));
      this.withdraw(
        group.map((i) => rules[i].key),
        `p${result.nowUs}:${suffix}`,
        result.nowUs,
        perKey,
      );
      // As if never admitted: the state a refused request reports, from the same reading.
      group.forEach((i, j) => (states[i] = stateOf(rules[i], false, reply, 2 + 4 * j)));
    }
    return { allowed, states };
  }

  /** Sends the withdrawal and returns at once: its outcome never changes the decision. */
  private withdraw(keys: string[], member: string, atUs: number, perKey: (string | number)[]): void {
    const now = this.storeTime ? String(Math.round(this.storeTime.now() * 1000)) : '';
    const slack = this.storeTime?.ttlSlackMs ?? 0;
    let reply: Promise<number>;
    try {
      reply = this.client.throttleWithdraw(keys.length, ...keys, now, member, String(atUs), slack, ...perKey);
    } catch (error) {
      return this.onFailure(keys, describeError(error));
    }
    reply
      .then(
        (removed) => (removed < 0 ? this.onFailure(keys, 'older than the withdrawal horizon') : this.onSuccess()),
        (error: unknown) => this.onFailure(keys, describeError(error)),
      )
      .catch(() => undefined); // a throwing logger must not become an unhandled rejection
  }

  private onFailure(keys: string[], reason: string): void {
    this.failures += 1;
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      `Could not withdraw a refused cross-slot request's admission from ${keys.join(', ')} (${reason}): ` +
        'the request stays refused; the key counts one admission too many until its window passes ' +
        '(further failures are counted, not logged, until a withdrawal succeeds)',
    );
  }

  private onSuccess(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('Cross-slot withdrawals succeed again');
  }
}
