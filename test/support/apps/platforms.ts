// The HTTP platforms the library's contract tests run on: builds the Nest app of a testing module
// on Fastify or Express, listens on loopback, and sends real HTTP requests to it.
import { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TestingModule } from '@nestjs/testing';
import { Client } from 'undici';

export type Platform = 'fastify' | 'express';

/** Every platform the library supports, for `describe.each(PLATFORMS)`. */
export const PLATFORMS: readonly Platform[] = ['fastify', 'express'];

/** A response as a test reads it: header names lower-cased, the body parsed when it is JSON. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: any;
}

/** The address requests come from unless told otherwise. */
export const CLIENT_A = '127.0.0.1';
/** A second client: any 127/8 address reaches the app over loopback, with its own socket peer address. */
export const CLIENT_B = '127.0.0.2';

/** Sends a GET from the loopback address `from` (default {@link CLIENT_A}). */
export type Get = (path: string, headers?: Record<string, string>, from?: string) => Promise<HttpResponse>;

/** A GET request: its path, headers and source address. */
export type RequestSpec = readonly [path: string, headers?: Record<string, string>, from?: string];

/** A listening app and a client for it; `close()` stops both. */
export interface RunningApp {
  app: INestApplication;
  get: Get;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Called before `init()`, e.g. to enable versioning. */
  configure?: (app: INestApplication) => void;
  /**
   * Runs on every request before Nest's guards, as an authentication middleware would
   * (a Fastify `preHandler` hook, an Express middleware): e.g. sets `request.user`.
   */
  beforeGuards?: (request: any) => void;
}

/** Creates the app of `moduleRef` on `platform`, initialises it (rejects on a boot error) and listens on 127.0.0.1, port 0. */
export async function startApp(moduleRef: TestingModule, platform: Platform, options: StartOptions = {}): Promise<RunningApp> {
  const app = createApp(moduleRef, platform);
  options.configure?.(app);
  if (options.beforeGuards !== undefined) runBeforeGuards(app, platform, options.beforeGuards);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const clients = new Map<string, Client>(); // one keep-alive connection per source address
  const clientFrom = (from: string) => {
    let client = clients.get(from);
    if (client === undefined) clients.set(from, (client = new Client(`http://127.0.0.1:${port}`, { localAddress: from })));
    return client;
  };
  return {
    app,
    get: (path, headers = {}, from = CLIENT_A) => send(clientFrom(from), path, headers),
    close: async () => {
      await Promise.all([...clients.values()].map((client) => client.close()));
      await app.close();
    },
  };
}

/** The statuses of sending `requests` one after the other. */
export async function statuses(get: Get, requests: readonly RequestSpec[]): Promise<number[]> {
  const out: number[] = [];
  for (const [path, headers, from] of requests) out.push((await get(path, headers, from)).status);
  return out;
}

function createApp(moduleRef: TestingModule, platform: Platform): INestApplication {
  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  return moduleRef.createNestApplication(adapter, { logger: false });
}

function runBeforeGuards(app: INestApplication, platform: Platform, hook: (request: any) => void): void {
  if (platform === 'fastify') {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('preHandler', async (request: any) => hook(request));
  } else {
    app.use((request: any, _response: unknown, next: () => void) => {
      hook(request);
      next();
    });
  }
}

async function send(client: Client, path: string, headers: Record<string, string>): Promise<HttpResponse> {
  const res = await client.request({ method: 'GET', path, headers });
  const text = await res.body.text();
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(res.headers)) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  const json = /^application\/([\w.-]+\+)?json\b/.test(flat['content-type'] ?? ''); // JSON and problem+json
  return { status: res.statusCode, headers: flat, body: json ? JSON.parse(text) : text };
}
