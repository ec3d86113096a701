// The app of "Beyond the sliding log" for the e2e and Redis suites: a GCRA scope `hi`, a tiered scope
// `api` (tier from request.user.plan) and a route costing 5 of it; authentication from test headers.
import { Controller, Get } from '@nestjs/common';
import { ThrottleCost, ThrottleScope } from 'nest-scoped-throttle';

@Controller()
export class IssueController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
  @ThrottleScope('api') @Get('api') api() {
    return 'api';
  }
  @ThrottleScope('api') @ThrottleCost(5) @Get('export') export() {
    return 'export';
  }
}

/** Authentication: the plan comes with the user (here from a header the test sets, as a token would). */
export const authenticateWithPlan = (req: any): void => {
  const plan = req.headers['x-test-plan'];
  if (plan) req.user = { id: req.headers['x-api-key'], plan };
};

/** A request's headers as the client `key` on `plan`. */
export const asClient = (key: string, plan: string): Record<string, string> => ({ 'x-api-key': key, 'x-test-plan': plan });
