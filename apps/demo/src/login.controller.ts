import { Body, Controller, HttpCode, Post, UnauthorizedException } from '@nestjs/common';
import { ThrottleScope } from 'nest-scoped-throttle';

/** The demo's one password (any username): a real app checks its user store. */
export const DEMO_PASSWORD = 'demo-password';

/**
 * `POST /login` `{ username, password }`, scope `login` (by default `5/15m`, `count: failures`,
 * `blockFor: 15m`, keyed by (IP, username)): successful logins are free, the fifth failed attempt in
 * 15 minutes blocks that (IP, username) for 15 minutes on every worker; a wrong password is a 401.
 */
@Controller()
export class LoginController {
  /** 200 `{ user }` for the demo password, else 401. */
  @ThrottleScope('login')
  @Post('login')
  @HttpCode(200)
  login(@Body() body: { username?: unknown; password?: unknown } | undefined): { user: string } {
    if (body?.password !== DEMO_PASSWORD || typeof body.username !== 'string')
      throw new UnauthorizedException('wrong username or password');
    return { user: body.username };
  }
}

/**
 * The `login` scope's key: the client's address and the username it tries, so a wrong password for one
 * account does not lock another out, and one address cannot try one account more than the limit.
 * A request without a username is keyed by its address alone.
 *
 * @example
 * loginKey({ ip: '203.0.113.9', body: { username: 'ada' } }); // '203.0.113.9|ada'
 */
export function loginKey(request: { ip?: string; socket?: { remoteAddress?: string }; body?: unknown }): string | undefined {
  const username = (request.body as { username?: unknown } | undefined)?.username;
  if (typeof username !== 'string' || username === '') return undefined;
  return `${request.ip ?? request.socket?.remoteAddress ?? 'unknown'}|${username}`;
}
