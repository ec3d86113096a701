import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { THROTTLE_CONFIG } from '../core/throttle.tokens';
import type { ThrottleConfig } from '../options/normalize-options';
import type { RoutePlan } from '../core/route-plans';
import { isPending, THROTTLE_DECIDED, ThrottleDecider, Verdict } from '../core/decider';
import { hookFailureBody, reportHookFailure } from '../core/hook-failure';
import { FastLaneRefusals } from './fast-lane-refusal';
import { THROTTLE_ROUTE_GUARDED } from './route-guard';
import { storeUnavailableBody } from '../core/throttle.exception';
import { shedResponse } from './shed-response';

type Done = (err?: Error) => void;

/**
 * The Fastify fast lane: an `onRequest` hook that decides, before Nest's pipeline, every request to a
 * route the guard has already served whose identities are known that early (`ip`, `header:`, `query:`),
 * through the same {@link ThrottleDecider} as the guard. It answers a refusal itself (same status,
 * headers and body as the guard's, without an exception) and marks an admitted request so the guard
 * lets it through. Routes keyed by `user` or a function stay with the guard, which runs after
 * authentication, and so do routes that name ThrottleGuard in their own `@UseGuards`. It learns which plan serves which route from the requests the guard decided, keyed
 * by Fastify's per-route config object, so versioned or host-constrained handlers on one path stay apart.
 */
@Injectable()
export class FastifyFastLane implements OnModuleInit {
  /** Plan per Fastify route config; null: not throttled, or served by more than one plan (left to the guard). */
  private readonly plans = new WeakMap<object, RoutePlan | null>();
  private readonly refusals: FastLaneRefusals;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly decider: ThrottleDecider,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
  ) {
    this.refusals = new FastLaneRefusals(config.onThrottled);
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!this.config.fastLane || adapter?.getType?.() !== 'fastify') return;
    const fastify = adapter.getInstance();
    fastify.addHook('onRequest', (request: any, reply: any, done: Done) => this.onRequest(request, reply, done));
    fastify.addHook('onResponse', (request: any, _reply: unknown, done: Done) => {
      this.learn(request);
      done();
    });
  }

  private onRequest(request: any, reply: any, done: Done): void {
    const route = request.routeOptions?.config;
    const plan = route === undefined ? undefined : this.plans.get(route);
    if (!plan || !plan.fastLane) return done();
    request[THROTTLE_DECIDED] = plan;
    let verdict: Verdict | Promise<Verdict>;
    try {
      verdict = this.decider.decide(plan, request, undefined, reply);
    } catch (error) {
      return this.fail(error, reply);
    }
    if (!isPending(verdict)) return this.finish(verdict, request, reply, done);
    verdict.then(
      (v) => this.finish(v, request, reply, done),
      (error: unknown) => this.fail(error, reply),
    );
  }

  /** Answers the request, never throwing: an error on the way (a hook, a bug) is its 500 and one log line. */
  private finish(verdict: Verdict, request: any, reply: any, done: Done): void {
    try {
      this.answer(verdict, request, reply, done);
    } catch (error) {
      this.fail(error, reply);
    }
  }

  /** An unexpected error while deciding: one log line and a 500 (as Nest answers an unknown error); never the process. */
  private fail(error: unknown, reply: any): void {
    reportHookFailure(error);
    if (!reply.sent) void reply.code(500).send(hookFailureBody());
  }

  private answer(verdict: Verdict, request: any, reply: any, done: Done): void {
    if (verdict === undefined) return done();
    if (verdict.status === 503 && verdict.shed !== undefined) {
      const { exception, contentType } = shedResponse(this.config.onThrottled, verdict.shed);
      if (contentType !== undefined) reply.header('Content-Type', contentType);
      return void reply.code(503).header('Retry-After', String(verdict.shed.retryAfter)).send(exception.getResponse());
    }
    if (verdict.status === 503) return void reply.code(503).send(storeUnavailableBody());
    if (verdict.status === 500) return void reply.code(500).send(hookFailureBody());
    this.refusals.send(verdict.refusal, request, reply);
  }

  /** Records which plan the guard used for this request's route (a route seen with two plans is left to the guard). */
  private learn(request: any): void {
    const plan: RoutePlan | null | undefined = request[THROTTLE_DECIDED];
    const route = request.routeOptions?.config;
    if (plan === undefined || route === undefined) return;
    if (request[THROTTLE_ROUTE_GUARDED] === true) return void this.plans.set(route, null); // its own guard decides, after authentication
    const known = this.plans.get(route);
    if (known !== plan) this.plans.set(route, known === undefined ? plan : null);
  }
}
