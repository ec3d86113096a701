import { Injectable, NestMiddleware } from '@nestjs/common';

/** A user of the demo, as authentication puts it on `request.user`. */
export interface DemoUser {
  readonly id: string;
  /** The plan that picks the `plan` scope's tier (`tier: user:plan`). */
  readonly plan: string;
}

/**
 * The demo's fixed API keys. A real app would look keys (or tokens) up in its user store; what matters
 * for throttling is that the plan comes from the server's record, never from the client.
 */
export const DEMO_API_KEYS: Readonly<Record<string, DemoUser>> = Object.freeze({
  'demo-pro-key': Object.freeze({ id: 'ada', plan: 'pro' }),
  'demo-free-key': Object.freeze({ id: 'bob', plan: 'free' }),
});

/** The user an `X-API-Key` value belongs to, or undefined (missing, repeated or unknown key). */
export function demoUserOf(apiKey: unknown): DemoUser | undefined {
  return typeof apiKey === 'string' && Object.hasOwn(DEMO_API_KEYS, apiKey) ? DEMO_API_KEYS[apiKey] : undefined;
}

/**
 * The demo's authentication: maps the `X-API-Key` header to a user of {@link DEMO_API_KEYS} and sets
 * `request.user`; an unknown or missing key leaves the client anonymous. Nest middleware runs before
 * every guard, so the throttle guard sees the user (its `plan` tier and its `user` key). On Fastify,
 * Nest middleware receives the raw Node request: the user lands on `request.raw.user`, which the
 * throttle module reads too.
 */
@Injectable()
export class DemoAuthMiddleware implements NestMiddleware {
  use(req: { headers: Record<string, unknown>; user?: DemoUser }, _res: unknown, next: () => void): void {
    const user = demoUserOf(req.headers['x-api-key']);
    if (user === undefined) delete req.user;
    else req.user = user;
    next();
  }
}
