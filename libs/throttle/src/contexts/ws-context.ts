import { ExecutionContext, Injectable } from '@nestjs/common';
import { ContextThrottle, decideOnce } from '../core/decide-once';
import { RoutePlan, RoutePlans } from '../core/route-plans';
import { ThrottleDecider, Verdict } from '../core/decider';
import { WsClients } from './ws-clients';
import { hookFailurePayload, refuseMessage, throttledPayload, shedPayload, unavailablePayload } from './ws-refusal';

/**
 * Throttles WebSocket gateway message handlers (`context.getType() === 'ws'`) for {@link ThrottleGuard},
 * on socket.io (`@nestjs/platform-socket.io`) and `ws` (`@nestjs/platform-ws`). Each message to a
 * throttled handler is one decision, keyed like an HTTP request but from the connection's handshake
 * (its address after proxy trust, its headers and query), or by a function of the client. A refused
 * message gets an `exception` event, `{ status: 'error', message, scope, retryAfter }`, and the
 * connection stays open. No headers: WebSocket messages have none.
 *
 * @example
 * @WebSocketGateway()
 * export class ChatGateway {
 *   @ThrottleScope('chat') @SubscribeMessage('say') say(@MessageBody() text: string) { ... }
 * }
 * // a function key of the client: key: (request, context) => context.switchToWs().getClient().data.userId
 */
@Injectable()
export class WsThrottle implements ContextThrottle {
  constructor(
    private readonly routes: RoutePlans,
    private readonly decider: ThrottleDecider,
    private readonly clients: WsClients,
  ) {}

  /** The messages already decided (their handler's argument lists): `@UseGuards(ThrottleGuard)` on class and handler counts a message once. */
  private readonly decided = new WeakSet<object>();

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const client = context.switchToWs().getClient();
    const admit = (v: Verdict): boolean => {
      if (v === undefined) return true;
      if (v.status === 429) throw refuseMessage(client, throttledPayload(v.refusal.scope, v.refusal.retryAfter));
      if (v.status === 503 && v.shed !== undefined) throw refuseMessage(client, shedPayload(v.shed.priority, v.shed.retryAfter));
      throw refuseMessage(client, v.status === 503 ? unavailablePayload() : hookFailurePayload());
    };
    const decide = (plan: RoutePlan) => this.decider.decide(plan, this.clients.requestOf(client), context, undefined);
    return decideOnce(this.decided, this.routes, context, decide, admit);
  }
}
