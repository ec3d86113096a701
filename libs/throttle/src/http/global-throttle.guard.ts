import { CanActivate, ExecutionContext, Injectable, OnModuleInit, UseGuards } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { routeNamesThrottleGuard, THROTTLE_ROUTE_GUARDED } from './route-guard';
import { ThrottleGuard } from './throttle.guard';

/** What this guard reads of a Nest module: its providers and enhancers (guards named by `@UseGuards`), by token. */
interface ModuleInstances {
  readonly providers?: Map<unknown, { instance: unknown }>;
  readonly injectables?: Map<unknown, { instance: unknown }>;
}

/**
 * The guard ThrottleModule registers globally (`APP_GUARD`), standing for {@link ThrottleGuard}:
 * - a route whose own `@UseGuards(..., ThrottleGuard)` names it is left to that guard, which runs after
 *   the guards listed before it (authentication), so `user` keys and `user:` tiers see `request.user`;
 * - `Test.createTestingModule(...).overrideGuard(ThrottleGuard)` reaches it like any guard: this class
 *   names ThrottleGuard as its own enhancer (`@UseGuards` below), so Nest's override replaces that
 *   instance too, and the global guard calls it. `overrideProvider(ThrottleGuard)` works as well.
 *
 * @example
 * Test.createTestingModule({ imports: [AppModule] }).overrideGuard(ThrottleGuard).useValue({ canActivate: () => true })
 */
@Injectable()
@UseGuards(ThrottleGuard)
export class GlobalThrottleGuard implements CanActivate, OnModuleInit {
  /** The guard that decides: this module's ThrottleGuard enhancer (replaced by `overrideGuard`), set at init. */
  private active: CanActivate;

  constructor(
    private readonly provided: ThrottleGuard,
    private readonly modules: ModulesContainer,
  ) {
    this.active = provided;
  }

  /** Picks this module's guard: the provider when a test replaced it (`overrideProvider`), else its enhancer instance. */
  onModuleInit(): void {
    if (this.provided.constructor !== ThrottleGuard) return;
    const own = [...(this.modules.values() as Iterable<ModuleInstances>)].find(
      (module) => module.providers?.get(GlobalThrottleGuard)?.instance === this,
    );
    const enhancer = own?.injectables?.get(ThrottleGuard)?.instance as CanActivate | undefined;
    if (typeof enhancer?.canActivate === 'function') this.active = enhancer;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (routeNamesThrottleGuard(context.getHandler(), context.getClass())) {
      if (context.getType() === 'http') context.switchToHttp().getRequest()[THROTTLE_ROUTE_GUARDED] = true;
      return true;
    }
    return this.active.canActivate(context) as boolean | Promise<boolean>;
  }
}
