import { Controller, Get, Req } from '@nestjs/common';
import { ThrottleCost, ThrottleScope } from 'nest-scoped-throttle';
import type { DemoUser } from './demo-auth.middleware';
import type { CostlyRoute } from './scope-summary';

/** Units `GET /report` consumes of scope `plan` (`@ThrottleCost`). */
export const REPORT_COST = 5;

/** The demo's routes whose requests cost more than one unit, for the boot line. */
export const COSTLY_ROUTES: readonly CostlyRoute[] = [{ route: 'GET /report', scope: 'plan', cost: REPORT_COST }];

/**
 * Scope `plan`: the rate follows the authenticated user's plan (`tier: user:plan`; by default pro
 * 10000/hour, free 20/hour, anyone else 100/hour), counted per user (anonymous clients per IP). The user
 * comes from `X-API-Key` through {@link DemoAuthMiddleware}: `demo-pro-key` is ada (pro), `demo-free-key`
 * is bob (free); a plan the client claims in a header is never read.
 */
@ThrottleScope('plan')
@Controller()
export class PlanController {
  /** Which user and plan the request was decided under. */
  @Get('plan')
  plan(@Req() req: DemoRequest): { user: string | null; plan: string | null } {
    const user = userOf(req);
    return { user: user?.id ?? null, plan: user?.plan ?? null };
  }

  /** A costly route: each request consumes 5 units of the client's `plan` quota (a free user gets 4 an hour). */
  @ThrottleCost(REPORT_COST)
  @Get('report')
  report(@Req() req: DemoRequest): { report: string; cost: number; user: string | null } {
    return { report: 'ready', cost: REPORT_COST, user: userOf(req)?.id ?? null };
  }
}

/** The Fastify request: the demo's middleware set the user on the raw Node request. */
type DemoRequest = { user?: DemoUser; raw?: { user?: DemoUser } };

function userOf(req: DemoRequest): DemoUser | undefined {
  return req.user ?? req.raw?.user;
}
