import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import type { RefusalFacts } from './refusal';
import type { ResultCounter } from '../metrics/decision-counts';
import type { LeaseCounter } from '../metrics/lease-counter';
import type { HeaderMode } from '../options/throttle-options';
import { storeKey } from '../storage/store-key';
import { appendLeaseHeaders, LEASE_RETRY_AFTER_S } from './lease-headers';
import { LEASE_KEY_END, LeaseScope } from '../concurrency/lease-options';
import type { LeaseAnswer, LeaseRule, LeaseStore } from '../concurrency/lease-store';
import { releaseWhenDone } from '../concurrency/lease-release';

/** How the caller's verdicts look to the gate: which admit, and the verdict of a concurrency refusal. */
export interface LeaseVerdicts<V> {
  admitted(verdict: V): boolean;
  refused(facts: RefusalFacts): V;
}

/**
 * Concurrency limits around a request's rate decision: takes one lease per concurrency scope of the
 * route (in order; a refusal gives back the leases already taken), and only then asks the rates, so a
 * request refused by concurrency consumes nothing from its rates; a request the rates refuse gives its
 * leases back at once. An admitted request holds its leases until its response ends (HTTP: `finish` or
 * `close`, so an error or a client gone releases too) or, for a GraphQL field call or WebSocket message,
 * until its handler settles (the `ThrottleOutcome` interceptor; a GraphQL call's HTTP response ending
 * releases it too). A lease never released (a process killed) expires after its scope's `leaseMs`.
 *
 * @example
 * gate.around(plan.leases, request, context, reply, () => this.decideRates(...), verdicts);
 */
export class LeaseGate {
  private readonly instance = randomBytes(6).toString('base64url');
  private sequence = 0;
  /** GraphQL field calls and WebSocket messages holding leases, by their handler's argument list. */
  private readonly calls = new WeakMap<object, () => void>();

  constructor(
    private readonly store: LeaseStore,
    private readonly headers: HeaderMode,
    private readonly counts?: ResultCounter,
    private readonly metrics?: LeaseCounter,
  ) {}

  around<V>(
    leases: readonly LeaseScope[],
    request: any,
    context: ExecutionContext | undefined,
    response: any,
    decide: () => V | Promise<V>,
    verdicts: LeaseVerdicts<V>,
    rated: (scope: string) => boolean,
  ): V | Promise<V> {
    const scopes = leases.filter((l) => l.skip?.(request, context) !== true);
    if (scopes.length === 0) return decide();
    const id = `${this.instance}:${(this.sequence = (this.sequence + 1) % Number.MAX_SAFE_INTEGER)}`;
    const rules = scopes.map((l) => ruleOf(l, request, context));
    return then(this.takeAll(rules, id, []), (answers) => {
      for (let i = 0; i < answers.length; i++) if (answers[i].expired > 0) this.metrics?.expired(scopes[i].name, answers[i].expired);
      const refused = answers.findIndex((a) => !a.allowed);
      if (refused >= 0) {
        answers.forEach((a) => a.release());
        for (const s of scopes) this.counts?.countResult(s.name, s === scopes[refused] ? 'throttled' : 'allowed');
        appendLeaseHeaders(response, scopes, answers, this.headers, refused);
        const limit = answers[refused].limit;
        return verdicts.refused({ scope: scopes[refused].name, limit, remaining: 0, retryAfter: LEASE_RETRY_AFTER_S });
      }
      const release = this.holding(scopes, answers);
      const settle = (verdict: V): V => {
        if (!verdicts.admitted(verdict)) release();
        else {
          for (const s of scopes) if (!rated(s.name)) this.counts?.countResult(s.name, 'allowed');
          appendLeaseHeaders(response, scopes, answers, this.headers, -1);
          this.holdUntilDone(release, response, context);
        }
        return verdict;
      };
      let verdict: V | Promise<V>;
      try {
        verdict = decide();
      } catch (error) {
        release();
        throw error;
      }
      return isPromise(verdict)
        ? verdict.then(settle, (error: unknown) => {
            release();
            throw error;
          })
        : settle(verdict);
    });
  }

  /** Gives back the leases of a GraphQL field call or WebSocket message (the `ThrottleOutcome` interceptor, when its handler settles). */
  releaseCall(call: object): void {
    const release = this.calls.get(call);
    if (release === undefined) return;
    this.calls.delete(call);
    release();
  }

  /** Whether a call holds leases (the interceptor's cheap check). */
  holds(call: object): boolean {
    return this.calls.has(call);
  }

  private takeAll(rules: LeaseRule[], id: string, answers: LeaseAnswer[]): LeaseAnswer[] | Promise<LeaseAnswer[]> {
    while (answers.length < rules.length) {
      const answer = this.store.acquire(rules[answers.length], id);
      if (isPromise(answer)) return answer.then((a) => (answers.push(a), a.allowed ? this.takeAll(rules, id, answers) : answers));
      answers.push(answer);
      if (!answer.allowed) break;
    }
    return answers;
  }

  /** Counts the leases as held, and returns their one release (idempotent). */
  private holding(scopes: readonly LeaseScope[], answers: readonly LeaseAnswer[]): () => void {
    for (const s of scopes) this.metrics?.held(s.name, 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      for (const a of answers) a.release();
      for (const s of scopes) this.metrics?.held(s.name, -1);
    };
  }

  private holdUntilDone(release: () => void, response: any, context: ExecutionContext | undefined): void {
    if (context !== undefined && context.getType() !== 'http') this.calls.set(context.getArgs(), release);
    releaseWhenDone(response, release, context !== undefined && context.getType() !== 'http');
  }
}

function ruleOf(scope: LeaseScope, request: any, context: ExecutionContext | undefined): LeaseRule {
  const key = storeKey(scope.keyPrefix, scope.identity.resolve(request, context), LEASE_KEY_END);
  return { key, limit: scope.limit, leaseMs: scope.leaseMs, scope: scope.name };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

function then<T, R>(value: T | Promise<T>, fn: (value: T) => R | Promise<R>): R | Promise<R> {
  return isPromise(value) ? value.then(fn) : fn(value);
}
