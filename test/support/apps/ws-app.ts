// A fresh WebSocket app under test: gateways behind ThrottleModule, a fake clock, on socket.io or ws,
// over Fastify or Express, listening on loopback; real clients (socket.io-client, ws) from chosen
// loopback addresses. Every wait has a deadline: a missing event fails the test instead of hanging it.
import { AddressInfo } from 'node:net';
import { INestApplication, Type } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { ThrottleClock, ThrottleModule, ThrottleModuleOptions } from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { CLIENT_A, Platform, PLATFORMS, startApp } from './platforms';

export type WsTransport = 'socket.io' | 'ws';

/** Every (transport, HTTP platform) pair, for `describe.each(TRANSPORTS)`. */
export const TRANSPORTS: readonly (readonly [WsTransport, Platform])[] = (['socket.io', 'ws'] as const).flatMap((t) =>
  PLATFORMS.map((p) => [t, p] as const),
);

/** How long a test waits for a connection or an event before failing. */
export const DEADLINE_MS = 5_000;

/** An event a client received: socket.io's (event, data), or ws's `{"event","data"}` message. */
export interface WsEvent {
  event: string;
  data: unknown;
}

export interface WsTestClient {
  send(event: string, data?: unknown): void;
  /** The next event received (in order), within {@link DEADLINE_MS}. */
  next(): Promise<WsEvent>;
  /** Sends and returns the event answering it. */
  ask(event: string, data?: unknown): Promise<WsEvent>;
  readonly open: boolean;
  close(): void;
}

export interface ConnectOptions {
  from?: string;
  /** Handshake headers; an array sends the header once per value. */
  headers?: Record<string, string | string[]>;
  /** The gateway's path (default `/ws`), with an optional query string. */
  path?: string;
}

export interface WsApp {
  app: INestApplication;
  clock: FakeClock;
  connect(options?: ConnectOptions): Promise<WsTestClient>;
  close(): Promise<void>;
}

/** Starts the gateways on `transport` over `platform`; rejects with the boot error if the module refuses the config. */
export async function startWs(
  transport: WsTransport,
  platform: Platform,
  spec: { throttle: ThrottleModuleOptions; gateways: Type[] },
  clock = new FakeClock(),
): Promise<WsApp> {
  const moduleRef = await Test.createTestingModule({ imports: [ThrottleModule.forRoot(spec.throttle)], providers: spec.gateways })
    .overrideProvider(ThrottleClock)
    .useValue(clock)
    .compile();
  const running = await startApp(moduleRef, platform, {
    configure: (app) => app.useWebSocketAdapter(transport === 'ws' ? new WsAdapter(app) : new IoAdapter(app)),
  });
  const { port } = running.app.getHttpServer().address() as AddressInfo;
  const clients: WsTestClient[] = [];
  return {
    app: running.app,
    clock,
    connect: async (options = {}) => {
      const client = await (transport === 'ws' ? connectWs : connectIo)(port, options);
      clients.push(client);
      return client;
    },
    close: async () => {
      clients.forEach((c) => c.close());
      await running.close();
    },
  };
}

/** Events in arrival order, handed to `next()` callers in order, each wait bounded by the deadline. */
class Inbox {
  private readonly events: WsEvent[] = [];
  private readonly waiting: ((e: WsEvent) => void)[] = [];

  push(event: WsEvent): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(event);
    else this.events.push(event);
  }

  next(): Promise<WsEvent> {
    const ready = this.events.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event within ${DEADLINE_MS} ms`)), DEADLINE_MS);
      this.waiting.push((e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }
}

function deadline<T>(what: string, start: (resolve: (value: T) => void, reject: (error: Error) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing within ${DEADLINE_MS} ms`)), DEADLINE_MS);
    start(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

async function connectIo(port: number, options: ConnectOptions): Promise<WsTestClient> {
  const [path, query] = (options.path ?? '/ws').split('?');
  const socket = io(`http://127.0.0.1:${port}`, {
    path,
    query: Object.fromEntries(new URLSearchParams(query ?? '')),
    transports: ['websocket'],
    reconnection: false,
    localAddress: options.from ?? CLIENT_A,
    extraHeaders: options.headers,
  } as Parameters<typeof io>[1]);
  const inbox = new Inbox();
  socket.onAny((event: string, data: unknown) => inbox.push({ event, data }));
  await deadline<void>('socket.io connect', (resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const send = (event: string, data?: unknown) => void socket.emit(event, data);
  return {
    send,
    next: () => inbox.next(),
    ask: (event, data) => (send(event, data), inbox.next()),
    get open() {
      return socket.connected;
    },
    close: () => void socket.disconnect(),
  };
}

async function connectWs(port: number, options: ConnectOptions): Promise<WsTestClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/ws'}`, {
    localAddress: options.from ?? CLIENT_A,
    headers: options.headers,
  });
  const inbox = new Inbox();
  socket.on('message', (raw) => inbox.push(JSON.parse(String(raw)) as WsEvent));
  await deadline<void>('ws connect', (resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const send = (event: string, data?: unknown) => socket.send(JSON.stringify({ event, data }));
  return {
    send,
    next: () => inbox.next(),
    ask: (event, data) => (send(event, data), inbox.next()),
    get open() {
      return socket.readyState === WebSocket.OPEN;
    },
    close: () => socket.close(),
  };
}
