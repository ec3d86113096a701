import type { IncomingMessage } from 'node:http';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/** `@WebSocketGateway()` marks its class with this metadata (`@nestjs/websockets`' GATEWAY_METADATA). */
const GATEWAY_METADATA = 'websockets:is_gateway';
/** `@WebSocketServer()` marks its property with this metadata (`@nestjs/websockets`' GATEWAY_SERVER_METADATA). */
const GATEWAY_SERVER_METADATA = 'websockets:is_socket';

/**
 * What identities read of a WebSocket client, as they read an HTTP request: the handshake's headers
 * (`X-Forwarded-For` for proxy trust, `header:` keys), its URL query (`query:` keys), the peer address,
 * and a user (`client.data.user` on socket.io, `client.user` on ws) for `user` keys.
 */
export interface WsRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  /** The handshake's headers as sent (name, value, …), so a header sent twice is seen, as on HTTP; absent when unknown. */
  readonly rawHeaders?: readonly string[];
  readonly query: Record<string, unknown>;
  readonly socket: { readonly remoteAddress?: string };
  readonly user?: unknown;
}

/**
 * The handshake of every WebSocket client, for identities. A socket.io client carries it
 * (`client.handshake`). A `ws` client does not: Nest hands its upgrade request only to
 * `handleConnection(client, request)`, so at bootstrap this listens for connections on each gateway's
 * `@WebSocketServer()` server (before Nest accepts clients) and keeps the request of each client.
 * A `ws` client seen without one (its gateway has no `@WebSocketServer()` property) is keyed by its
 * socket's peer address, without proxy trust, and a warning says how to fix it.
 *
 * @example
 * @WebSocketGateway({ path: '/ws' })
 * export class ChatGateway {
 *   @WebSocketServer() server: Server; // with the ws adapter, lets the throttle read each client's upgrade request
 * }
 */
@Injectable()
export class WsClients implements OnApplicationBootstrap {
  private readonly logger = new Logger('Throttle');
  private readonly requests = new WeakMap<object, WsRequest>();
  private readonly servers = new WeakSet<object>();
  private warned = false;

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !Reflect.getMetadata(GATEWAY_METADATA, instance.constructor)) continue;
      for (const key in instance) {
        if (Reflect.getMetadata(GATEWAY_SERVER_METADATA, instance, key) !== undefined) this.watch(instance[key]);
      }
    }
  }

  /** The request view of a client (built once per client). */
  requestOf(client: any): WsRequest {
    let request = this.requests.get(client);
    if (request === undefined) {
      request = client?.handshake !== undefined ? socketIoRequest(client) : this.unwatched(client);
      this.requests.set(client, request);
    }
    return request;
  }

  /** Keeps the upgrade request of each client of a `ws` server (socket.io servers need nothing). */
  private watch(server: any): void {
    if (typeof server?.handleUpgrade !== 'function' || typeof server.on !== 'function' || this.servers.has(server)) return;
    this.servers.add(server);
    server.on('connection', (client: object, upgrade: IncomingMessage) => this.requests.set(client, wsRequest(client, upgrade)));
  }

  private unwatched(client: any): WsRequest {
    if (!this.warned) {
      this.warned = true;
      this.logger.warn(
        'a ws client came without its upgrade request: give its gateway a @WebSocketServer() property so the throttle can keep it. ' +
          'Until then such clients are keyed by their socket peer address (X-Forwarded-For and header:/query: keys ignored).',
      );
    }
    return { headers: {}, query: {}, socket: { remoteAddress: client?._socket?.remoteAddress } };
  }
}

/** A socket.io client's handshake as a request (`handshake.address` is the peer address engine.io saw). */
function socketIoRequest(client: any): WsRequest {
  const handshake = client.handshake;
  return {
    headers: handshake.headers ?? {},
    rawHeaders: client.request?.rawHeaders, // engine.io's upgrade request
    query: handshake.query ?? {},
    socket: { remoteAddress: handshake.address },
    get user() {
      return client.data?.user;
    },
  };
}

/** A `ws` client's upgrade request as a request; the peer address is read now, while the socket is open. */
function wsRequest(client: any, upgrade: IncomingMessage): WsRequest {
  return {
    headers: upgrade.headers,
    rawHeaders: upgrade.rawHeaders,
    query: queryOf(upgrade.url),
    socket: { remoteAddress: upgrade.socket?.remoteAddress },
    get user() {
      return client.user;
    },
  };
}

/** The query of a URL path, a repeated parameter as an array (which identities refuse, as on HTTP). */
function queryOf(url: string | undefined): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null); // "__proto__" is a name like any other
  let params: URLSearchParams;
  try {
    params = new URL(url ?? '/', 'http://localhost').searchParams;
  } catch {
    return query;
  }
  for (const [name, value] of params) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}
