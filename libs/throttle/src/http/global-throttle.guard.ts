import { CanActivate, ExecutionContext, Injectable, OnModuleInit, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { routeNamesThrottleGuard, THROTTLE_ROUTE_GUARDED } from './route-guard';
import { ThrottleGuard } from './throttle.guard';

/**
 * The guard ThrottleModule registers globally (`APP_GUARD`), standing for {@link ThrottleGuard}:
 * - a route whose own `@UseGuards(..., ThrottleGuard)` names it is left to that guard, which runs after
 *   the guards listed before it (authentication), so `user` keys and `user:` tiers see `request.user`;
 * - `Test.createTestingModule(...).overrideGuard(ThrottleGuard)` reaches it like any guard: this class
 *   names ThrottleGuard as its own enhancer (`@UseGuards` below), so Nest's override replaces that
 *   instance too, and the global guard calls the replacement. `overrideProvider(ThrottleGuard)` works as well.
 *
 * @example
 * Test.createTestingModule({ imports: [AppModule] }).overrideGuard(ThrottleGuard).useValue({ canActivate: () => true })
 */
@Injectable()
@UseGuards(ThrottleGuard)
export class GlobalThrottleGuard implements CanActivate, OnModuleInit {
  /** The guard that decides; set at init. */
  private active!: CanActivate;

  constructor(private readonly moduleRef: ModuleRef) {}

  /**
   * Picks the guard to call: a replacement a test made (`overrideGuard` or `overrideProvider`), else the
   * instance `app.get(ThrottleGuard)` returns (any unreplaced instance decides alike; that one can be spied on).
   */
  onModuleInit(): void {
    const instances: unknown[] = this.moduleRef.get(ThrottleGuard, { strict: false, each: true });
    const replaced = instances.find((i) => isGuard(i) && i.constructor !== ThrottleGuard);
    this.active = (replaced as CanActivate | undefined) ?? this.moduleRef.get(ThrottleGuard, { strict: false });
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (routeNamesThrottleGuard(context.getHandler(), context.getClass())) {
      if (context.getType() === 'http') context.switchToHttp().getRequest()[THROTTLE_ROUTE_GUARDED] = true;
      return true;
    }
    return this.active.canActivate(context) as boolean | Promise<boolean>;
  }
}

function isGuard(value: unknown): value is CanActivate {
  return typeof (value as CanActivate | null)?.canActivate === 'function';
}
