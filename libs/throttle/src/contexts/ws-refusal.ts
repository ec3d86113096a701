import { storeUnavailableBody } from '../core/throttle.exception';

/** The payload of a refused WebSocket message, in the shape of Nest's `WsException` errors. */
export interface WsThrottledPayload {
  readonly status: 'error';
  readonly message: string;
  /** The scope that refused; absent when the store could not decide (`onStoreError: 'deny'`). */
  readonly scope?: string;
  /** Whole seconds until a retry is admitted, >= 1; absent when the store could not decide. */
  readonly retryAfter?: number;
  /** The priority of a message shed under load (`shed`). */
  readonly priority?: string;
}

/**
 * The payload of a message shed under load (`shed`): its priority and when to retry.
 *
 * @example
 * shedPayload('low', 1); // { status: 'error', message: 'The service is overloaded and shed this low-priority message. Retry in 1 second.', priority: 'low', retryAfter: 1 }
 */
export function shedPayload(priority: string, retryAfter: number): WsThrottledPayload {
  const unit = retryAfter === 1 ? 'second' : 'seconds';
  return {
    status: 'error',
    message: `The service is overloaded and shed this ${priority}-priority message. Retry in ${retryAfter} ${unit}.`,
    priority,
    retryAfter,
  };
}

/** The event name refusals are sent under: Nest's own for `WsException`s. */
export const WS_EXCEPTION_EVENT = 'exception';

/**
 * The payload of a throttled message.
 *
 * @example
 * throttledPayload('chat', 3);
 * // { status: 'error', message: 'Message was throttled. Expected available in 3 seconds.', scope: 'chat', retryAfter: 3 }
 */
export function throttledPayload(scope: string, retryAfter: number): WsThrottledPayload {
  const unit = retryAfter === 1 ? 'second' : 'seconds';
  return { status: 'error', message: `Message was throttled. Expected available in ${retryAfter} ${unit}.`, scope, retryAfter };
}

/** The payload of a message refused because the store cannot decide (`onStoreError: 'deny'`). */
export function unavailablePayload(): WsThrottledPayload {
  return { status: 'error', message: storeUnavailableBody().message };
}

/** The payload of a message whose throttling failed because one of the app's hooks threw (logged once, naming it). */
export function hookFailurePayload(): WsThrottledPayload {
  return { status: 'error', message: 'Internal server error' };
}

type WsExceptionType = new (error: object) => Error;
let wsExceptionType: WsExceptionType | undefined;

/**
 * Refuses a message: a `ws` client (which Nest's exception filter cannot reach: it calls `client.emit`,
 * local on a `ws` socket) is sent `{"event":"exception","data":payload}` here, as the adapter sends
 * handler results; then a `WsException` carrying the payload is returned for the guard to throw, which
 * stops the handler and which Nest's filter emits to a socket.io client as its `exception` event. The
 * connection stays open. `@nestjs/websockets` is loaded only here, on the first refusal.
 */
export function refuseMessage(client: any, payload: WsThrottledPayload): Error {
  if (client?.handshake === undefined && typeof client?.send === 'function' && client.readyState === 1 /* OPEN */) {
    client.send(JSON.stringify({ event: WS_EXCEPTION_EVENT, data: payload }));
  }
  wsExceptionType ??= loadWsException();
  return new wsExceptionType(payload);
}

/** `WsException`, from `@nestjs/websockets` (an optional peer: present whenever a gateway runs). */
function loadWsException(): WsExceptionType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@nestjs/websockets') as { WsException: WsExceptionType }).WsException;
}
