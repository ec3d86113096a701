import { Logger } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { ControlCounter } from '../metrics/control-counter';
import type { CompiledScope } from '../options/compile-scope';
import type { ThrottleRule, ThrottleStorage } from '../storage/throttle-storage';

/**
 * Counting by outcome (`count`, `countIf`): an admitted HTTP request holds its unit (a reservation:
 * concurrent attempts never exceed the limit), and once its response is finished (Express and Fastify
 * alike: the Node response's `finish`), the unit of each scope that does not count that status is
 * refunded (`ThrottleStorage.refund`: the key's newest unit, so a log's times may be off by the
 * requests in flight, never its count). A response that never finishes (client gone) counts.
 * A GraphQL field call or WebSocket message is settled by the `ThrottleOutcome` interceptor instead.
 *
 * @example
 * if (verdict === undefined) settler.settleAfter(reply, context, scopes, built.rules);
 */
export class OutcomeSettler {
  private failing = false;
  private readonly logger = new Logger('Throttle');
  /** GraphQL field calls and WebSocket messages admitted and not yet settled, by their handler's argument list. */
  private readonly pending = new WeakMap<object, { scopes: readonly CompiledScope[]; rules: readonly ThrottleRule[] }>();
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
   */
  settleAfter(
    response: any,
    context: ExecutionContext | undefined,
    scopes: readonly CompiledScope[],
    rules: readonly ThrottleRule[],
  ): void {
    if (this.storage.refund === undefined) return;
    if (context !== undefined && context.getType() !== 'http') {
      this.pending.set(context.getArgs(), { scopes, rules });
      return;
    }
    const raw = response?.raw ?? response;
    if (typeof raw?.once !== 'function') return;
    // Settled on `finish`; a response that ends without it (client gone) counts, and settles nothing on `close`.
    const settled = new Promise<void>((done) => {
      raw.once('finish', () => void this.settle(Number(raw.statusCode), scopes, rules).then(done));
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
    this.track(this.settle(status, held.scopes, held.rules));
  }

  private track(settled: Promise<void>): void {
    this.unsettled.add(settled);
    void settled.then(() => this.unsettled.delete(settled));
  }

  /** Refunds the scopes that do not count `status`; resolves when those refunds are done (never rejects). */
  private settle(status: number, scopes: readonly CompiledScope[], rules: readonly ThrottleRule[]): Promise<void> {
    const refunds: Promise<void>[] = [];
    for (let i = 0; i < scopes.length; i++) {
      const countIf = scopes[i].countIf;
      if (countIf !== undefined && !scopes[i].shadow && !countIf(status)) refunds.push(this.refund(rules[i])); // a shadow scope counts all
    }
    return Promise.all(refunds).then(() => undefined);
  }

  private refund(rule: ThrottleRule): Promise<void> {
    return this.storage.refund!({ rules: [rule] }).then(
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
