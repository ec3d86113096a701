import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { writeHeaders } from '../headers';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import { buildRules, THROTTLE_DECIDED } from '../rules';
import { isPromise, ThrottleDecision, ThrottleStorage, ThrottleStoreUnavailableError } from '../storage/throttle-storage';
import { THROTTLE_CONFIG } from '../throttle.constants';
import { refusedScope, storeUnavailableBody, throttledBody } from '../throttle.exception';
import { ThrottleConfig } from '../throttle-options';
import { RoutePlan, ThrottleRoutes } from '../throttle-routes';

type Done = (err?: Error) => void;

/**
 * The Fastify fast lane: an `onRequest` hook that decides, before Nest's pipeline, every request to a
 * route the guard has already served whose identities are known that early (`ip`, `header:`, `query:`).
 * It writes the same headers the guard would, answers a refusal itself (same status, headers and body
 * as the guard's 429, without an exception), and marks an admitted request so the guard lets it through
 * untouched. Stores that decide without waiting (memory; Redis's local deny cache) cost no promise.
 * Routes keyed by `user` or a function stay with the guard, which runs after authentication.
 */
@Injectable()
export class ThrottleFastLane implements OnModuleInit {
  private readonly counted: boolean;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly routes: ThrottleRoutes,
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    @Optional() private readonly metrics?: ThrottleMetrics,
  ) {
    this.counted = metrics !== undefined;
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (this.config.options.fastLane === false || adapter?.getType?.() !== 'fastify') return;
    adapter.getInstance().addHook('onRequest', (request: any, reply: any, done: Done) => this.onRequest(request, reply, done));
  }

  private onRequest(request: any, reply: any, done: Done): void {
    const plan = this.routes.learned(request.routeOptions?.config);
    if (!plan || !plan.fastLane) return done();
    const rules = buildRules(plan, request, undefined);
    const decision = this.storage.decide({ rules });
    if (!isPromise(decision)) return this.finish(plan, decision, request, reply, done);
    decision.then(
      (d) => this.finish(plan, d, request, reply, done),
      (error: unknown) => {
        if (!(error instanceof ThrottleStoreUnavailableError)) return done(error as Error);
        reply.code(503).send(storeUnavailableBody());
      },
    );
  }

  private finish(plan: RoutePlan, decision: ThrottleDecision, request: any, reply: any, done: Done): void {
    const retryAfter = writeHeaders(reply, plan.scopes, plan.policy, decision, this.config.headers);
    if (this.counted) this.metrics!.countDecision(plan.scopes, decision.allowed);
    if (decision.allowed) {
      request[THROTTLE_DECIDED] = true;
      return done();
    }
    reply.code(429).send(throttledBody(plan.scopes[refusedScope(decision)].name, retryAfter));
  }
}
