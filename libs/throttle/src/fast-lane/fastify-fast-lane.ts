import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { writeHeaders } from '../headers';
import { ThrottleMetrics } from '../metrics/throttle-metrics';
import { buildRules, THROTTLE_RULES } from '../rules';
import { ThrottleStorage } from '../storage/throttle-storage';
import { THROTTLE_CONFIG } from '../throttle.constants';
import { refusedScope, throttledBody } from '../throttle.exception';
import { ThrottleConfig } from '../throttle-options';
import { ThrottleRoutes } from '../throttle-routes';

/**
 * The refusal fast lane (Fastify only): an `onRequest` hook that, for a route the guard has already
 * served, asks the store for a refusal it knows without waiting (`deniedSync`: the memory store's exact
 * check, the Redis store's local deny cache) and, if so, answers the 429 itself — same status, headers
 * and body as the guard — before Nest's pipeline and exception filters run. Anything else goes on to
 * the guard, with the rules already computed. Routes whose identity needs later stages (`user`, a
 * function) never take the lane.
 */
@Injectable()
export class ThrottleFastLane implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly routes: ThrottleRoutes,
    private readonly storage: ThrottleStorage,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
    @Optional() private readonly metrics?: ThrottleMetrics,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (this.config.options.fastLane === false || adapter?.getType?.() !== 'fastify') return;
    const instance = adapter.getInstance();
    instance.addHook('onRequest', (request: any, reply: any, done: (err?: Error) => void) => {
      this.onRequest(request, reply, done);
    });
  }

  private onRequest(request: any, reply: any, done: (err?: Error) => void): void {
    const plan = this.routes.learned(request.method, request.routeOptions?.url);
    if (!plan || !plan.fastLane) return done();
    const rules = buildRules(plan, request, undefined);
    request[THROTTLE_RULES] = rules;
    const decision = this.storage.deniedSync({ rules });
    if (decision === undefined) return done();
    const retryAfter = writeHeaders(reply, plan.scopes, plan.policy, decision, this.config.headers);
    if (this.metrics) for (const s of plan.scopes) this.metrics.decisions.labels(s.name, 'throttled').inc();
    reply.code(429).send(throttledBody(plan.scopes[refusedScope(decision)].name, retryAfter));
  }
}
