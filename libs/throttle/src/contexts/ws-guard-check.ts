import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ThrottleGuard } from '../http/throttle.guard';
import { THROTTLE_SCOPES } from '../core/throttle-scope.decorator';
import { THROTTLE_CONFIG } from '../core/throttle.tokens';
import type { ThrottleConfig } from '../options/normalize-options';
import { ThrottleOutcome } from './throttle-outcome';

/** `@WebSocketGateway()` marks its class with this metadata (`@nestjs/websockets`' GATEWAY_METADATA). */
const GATEWAY_METADATA = 'websockets:is_gateway';

/**
 * Warns at bootstrap about each gateway handler under `@ThrottleScope` that no {@link ThrottleGuard}
 * guards: Nest applies no global guard (`APP_GUARD`) to WebSocket gateways, so such a handler would be
 * silently unthrottled. A warning, not a boot error: an app may run the guard in a way this cannot see.
 * Likewise for a handler under a scope counting by outcome (`count`, `countIf`) without the
 * {@link ThrottleOutcome} interceptor (no global interceptor reaches gateways either): it would count every message.
 *
 * @example
 * // The fix the warning names:
 * @UseGuards(ThrottleGuard)
 * @WebSocketGateway()
 * export class ChatGateway { @ThrottleScope('chat') @SubscribeMessage('say') say() { ... } }
 */
@Injectable()
export class WsGuardCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Throttle');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(THROTTLE_CONFIG) private readonly config: ThrottleConfig,
  ) {}

  onApplicationBootstrap(): void {
    const seen = new Set<Function>();
    for (const { metatype } of this.discovery.getProviders()) {
      const type = metatype as Function | null | undefined;
      if (typeof type !== 'function' || seen.has(type) || !Reflect.getMetadata(GATEWAY_METADATA, type)) continue;
      seen.add(type);
      const methods = this.scanner.getAllMethodNames(type.prototype);
      const unsettled = methods.filter((m) => this.byOutcome(type, m) && !settled(type) && !settled(type.prototype[m]));
      if (unsettled.length > 0) {
        this.logger.warn(
          `${unsettled.map((m) => `${type.name}.${m}`).join(', ')} ${unsettled.length === 1 ? 'is' : 'are'} under a scope ` +
            (unsettled.some((m) => this.leased(type, m))
              ? `limiting concurrency, but its messages hold their leases until leaseMs: add @UseInterceptors(ThrottleOutcome) to ${type.name}`
              : `counting by outcome but every message counts: add @UseInterceptors(ThrottleOutcome) to ${type.name}`),
        );
      }
      const unguarded = methods.filter((method) => scoped(type, method) && !guarded(type) && !guarded(type.prototype[method]));
      if (unguarded.length === 0) continue;
      this.logger.warn(
        `${unguarded.map((m) => `${type.name}.${m}`).join(', ')} ${unguarded.length === 1 ? 'is' : 'are'} under @ThrottleScope but not throttled: ` +
          `Nest applies no global guard to WebSocket gateways; add @UseGuards(ThrottleGuard) to ${type.name}`,
      );
    }
  }

  /** Whether the handler is under a scope that counts by outcome. */
  private byOutcome(type: Function, method: string): boolean {
    const names: string[] = scopesOf(type, method) ?? [];
    return names.some((name) => this.config.scopes.get(name)?.countIf !== undefined) || this.leased(type, method);
  }

  /** Whether the handler is under a scope limiting concurrency (its leases need the interceptor to be given back). */
  private leased(type: Function, method: string): boolean {
    return (scopesOf(type, method) ?? []).some((name) => this.config.leases.has(name));
  }
}

function scopesOf(type: Function, method: string): string[] | undefined {
  return Reflect.getMetadata(THROTTLE_SCOPES, type.prototype[method]) ?? Reflect.getMetadata(THROTTLE_SCOPES, type);
}

function scoped(type: Function, method: string): boolean {
  return scopesOf(type, method) !== undefined;
}

function settled(target: object): boolean {
  const interceptors: unknown[] = Reflect.getMetadata(INTERCEPTORS_METADATA, target) ?? [];
  return interceptors.some((i) => i === ThrottleOutcome || i instanceof ThrottleOutcome);
}

function guarded(target: object): boolean {
  const guards: unknown[] = Reflect.getMetadata(GUARDS_METADATA, target) ?? [];
  return guards.some(
    (g) => g === ThrottleGuard || (typeof g === 'function' && g.prototype instanceof ThrottleGuard) || g instanceof ThrottleGuard,
  );
}
