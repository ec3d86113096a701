import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { finalize, tap } from 'rxjs';
import { ThrottleDecider } from '../core/decider';

/**
 * The status a GraphQL field call or WebSocket message counts as under `count` / `countIf`: 200 when
 * its handler returns (or its observable completes or emits), the status of a thrown `HttpException`
 * (e.g. 401 for `UnauthorizedException`), else 500 (any other error, a `WsException` or a `GraphQLError` included).
 *
 * @example
 * outcomeStatus(new UnauthorizedException()); // 401
 */
export function outcomeStatus(error: unknown): number {
  return error instanceof HttpException ? error.getStatus() : 500;
}

/**
 * Concurrency leases of GraphQL field calls and WebSocket messages are given back when their handler
 * settles (completes, errors, or is unsubscribed). Counting by outcome on GraphQL resolvers and WebSocket message handlers: settles the unit the guard
 * reserved for the call once its handler settles (a field whose result has an error, a message whose
 * handler threw: status per {@link outcomeStatus}), refunding it for each scope that does not count
 * that status. Without it (HTTP needs none) a GraphQL or WebSocket call counts whatever its outcome.
 * A no-op for calls no `count`/`countIf` scope admitted.
 *
 * @example
 * @UseGuards(ThrottleGuard)
 * @UseInterceptors(ThrottleOutcome)
 * @WebSocketGateway()
 * export class AuthGateway { @ThrottleScope('login') @SubscribeMessage('login') login() { ... } }
 * // GraphQL: the same on the resolver, or app-wide: providers: [{ provide: APP_INTERCEPTOR, useExisting: ThrottleOutcome }]
 */
@Injectable()
export class ThrottleOutcome implements NestInterceptor {
  constructor(private readonly decider: ThrottleDecider) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const call = context.getArgs();
    const leases = this.decider.leases;
    if (leases?.holds(call) === true) return this.settled(context, next).pipe(finalize(() => leases.releaseCall(call)));
    return this.settled(context, next);
  }

  /** The handler's result, settling the call's counted-by-outcome units when it holds any. */
  private settled(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const settler = this.decider.outcomes;
    const call = context.getArgs();
    if (settler === undefined || !settler.holds(call)) return next.handle();
    const succeeded = () => settler.settleCall(call, 200);
    return next
      .handle()
      .pipe(tap({ next: succeeded, complete: succeeded, error: (error: unknown) => settler.settleCall(call, outcomeStatus(error)) }));
  }
}
