import { Logger } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { ControlCounter } from '../metrics/control-counter';
import type { CompiledScope } from '../options/compile-scope';
import type { ThrottleRule, ThrottleStorage } from '../storage/throttle-storage';
import { ownerOf } from './scope-states';

/**
 * Counting by outcome (`count`, `countIf`): an admitted HTTP request holds its unit (a reservation:
 * concurrent attempts never exceed the limit), and once its response is finished (Express and Fastify
 * alike: the Node response's `finish`), the unit of each scope that does not count that status is
 * refunded (`ThrottleStorage.refund`: the key's newest unit, so a log's times may be off by the
 * requests in flight, never its count). A response that never finishes (client gone) counts.
 * A GraphQL field call or WebSocket message is settled by the `ThrottleOutcome` interceptor instead.
 *
 * @example
 * if (verdict === undefined) settler.settleAfter(reply, context, scopes, built.rules, built.owners);
 */
export class OutcomeSettler {
  private failing = false;
  private readonly logger = new Logger('Throttle');
  /** GraphQL field calls and WebSocket messages admitted and not yet settled, by their handler's argument list. */
  private readonly pending = new WeakMap<object, Admitted>();
  /** HTTP responses awaiting their `finish`, and refunds under way: what {@link idle} waits for. */
  private readonly unsettled = new Set<Promise<void>>();

  constructor(
    private readonly storage: ThrottleStorage,
    private readonly metrics?: ControlCounter,
  ) {}

  /** Whether any of the scopes counts by outcome (the decider's only cost on other requests). */
  static needed(scopes: readonly CompiledScope[]): boolean {
    for (const s of scopes) if (s.countIf !== undefined) return true;
    return false;
  }

  /**
   * Refunds, after the response, the units of the scopes that do not count its status (HTTP); a GraphQL
   * field call or WebSocket message is held until {@link settleCall} (the `ThrottleOutcome` interceptor).
   * `owners[j]` is the scope of rule `scopes.length + j` (a client-chosen tier's rule): refunded with its scope.
   */
  settleAfter(
    response: any,
    context: ExecutionContext | undefined,
    scopes: readonly CompiledScope[],
    rules: readonly ThrottleRule[],
    owners: readonly number[] = [],
  ): void {
    if (this.storage.refund === undefined) return;
    const admitted: Admitted = { scopes, rules, owners };
    if (context !== undefined && context.getType() !== 'http') {
      this.pending.set(context.getArgs(), admitted);
      return;
    }
    const raw = response?.raw ?? response;
    if (typeof raw?.once !== 'function') return;
    // Settled on `finish`; a response that ends without it (client gone) counts, and settles nothing on `close`.
    const settled = new Promise<void>((done) => {
      raw.once('finish', () => void this.settle(Number(raw.statusCode), admitted).then(done));
      raw.once('close', () => raw.writableFinished !== true && done());
    });
    this.track(settled);
  }

  /**
   * Resolves once every HTTP response admitted so far has finished and its refunds are done (answered
   * by the store, or failed): the refund of an uncounted response is sent after the client may already
   * have read it, so a test that checks the counter right after a response waits for this first.
   */
  async idle(): Promise<void> {
    while (this.unsettled.size > 0) await Promise.all(this.unsettled);
  }

  /** Whether the handler call with this argument list was admitted and awaits its outcome. */
  holds(call: object): boolean {
    return this.pending.has(call);
  }

  /** Settles a held GraphQL or WebSocket call with its outcome's status (once; later calls do nothing). */
  settleCall(call: object, status: number): void {
    const held = this.pending.get(call);
    if (held === undefined) return;
    this.pending.delete(call);
    this.track(this.settle(status, held));
  }

  private track(settled: Promise<void>): void {
    this.unsettled.add(settled);
    void settled.then(() => this.unsettled.delete(settled));
  }

  /**
   * Refunds the scopes that do not count `status`, each with its client-chosen tiers' rules (one atomic
   * refund per scope: its keys share the identity's hash tag); resolves when those refunds are done (never rejects).
   */
  private settle(status: number, { scopes, rules, owners }: Admitted): Promise<void> {
    // A shadow scope counts all; `countIf` is asked once per scope.
    const uncounted = scopes.map((s) => s.countIf !== undefined && !s.shadow && !s.countIf(status));
    const byScope = new Map<number, ThrottleRule[]>();
    for (let r = 0; r < rules.length; r++) {
      const i = ownerOf(r, scopes.length, owners);
      if (uncounted[i]) byScope.set(i, [...(byScope.get(i) ?? []), rules[r]]);
    }
    return Promise.all([...byScope.values()].map((group) => this.refund(group))).then(() => undefined);
  }

  private refund(rules: ThrottleRule[]): Promise<void> {
    const rule = rules[0];
    return this.storage.refund!({ rules }).then(
      () => {
        this.failing = false;
        this.metrics?.countControl(rule.scope ?? '', 'refund');
      },
      (error: unknown) => {
        if (this.failing) return;
        this.failing = true;
        this.logger.warn(`could not refund an uncounted request of scope "${rule.scope}" (${(error as Error).message}): it counts`);
      },
    );
  }
}

/** An admitted request's scopes and rules, awaiting its outcome. */
interface Admitted {
  readonly scopes: readonly CompiledScope[];
  readonly rules: readonly ThrottleRule[];
  readonly owners: readonly number[];
}
