import { Controller, Delete, ForbiddenException, Headers, HttpCode, Inject, NotFoundException, Param } from '@nestjs/common';
import { ThrottleService } from 'nest-scoped-throttle';

/** DI token of the admin key (THROTTLE_ADMIN_KEY); undefined turns the admin route off. */
export const DEMO_ADMIN_KEY = Symbol('demo.adminKey');

/**
 * `DELETE /throttle/:scope/:identity` with `X-Admin-Key: <THROTTLE_ADMIN_KEY>`: resets one client's
 * counter (and block) in a scope with `ThrottleService.reset`, on every worker. `identity` is the raw
 * value the scope's key resolves: an address for `ip` scopes, a user id, a header or query value, or
 * `<ip>|<username>` for `login`. Not throttled. 404 when THROTTLE_ADMIN_KEY is unset, 403 on a wrong key.
 */
@Controller('throttle')
export class ThrottleAdminController {
  constructor(
    private readonly throttle: ThrottleService,
    @Inject(DEMO_ADMIN_KEY) private readonly adminKey: string | undefined,
  ) {}

  @Delete(':scope/:identity')
  @HttpCode(204)
  async reset(@Param('scope') scope: string, @Param('identity') identity: string, @Headers('x-admin-key') key?: string): Promise<void> {
    if (this.adminKey === undefined) throw new NotFoundException();
    if (key !== this.adminKey) throw new ForbiddenException('X-Admin-Key does not match THROTTLE_ADMIN_KEY');
    try {
      await this.throttle.reset(scope, identity);
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) throw new NotFoundException(error.message);
      throw error;
    }
  }
}
