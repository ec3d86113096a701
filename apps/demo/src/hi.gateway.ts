import { UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway, WebSocketServer, WsResponse } from '@nestjs/websockets';
import type { Server } from 'socket.io';
import { ThrottleGuard, ThrottleScope } from 'nest-scoped-throttle';

/**
 * socket.io on `/ws`: the message `hi` answers `hi` `{ msg: 'Hello Hello!' }` under the `hi` scope (shared
 * with `GET /hi` and GraphQL `hello`); a refused one gets an `exception` event
 * `{ status: 'error', message, scope: 'hi', retryAfter }` and the connection stays open.
 * `@UseGuards(ThrottleGuard)`: Nest applies no global guard to gateways.
 */
@UseGuards(ThrottleGuard)
@WebSocketGateway({ path: '/ws' })
export class HiGateway {
  @WebSocketServer() server: Server;

  @ThrottleScope('hi')
  @SubscribeMessage('hi')
  hi(): WsResponse<{ msg: string }> {
    return { event: 'hi', data: { msg: 'Hello Hello!' } };
  }
}
