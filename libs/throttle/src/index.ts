export { ThrottleModule } from './throttle.module';
export {
  THROTTLE_MODULE_OPTIONS,
  THROTTLE_OPTIONS_TYPE,
  THROTTLE_ASYNC_OPTIONS_TYPE,
} from './throttle.module-definition';
export { THROTTLE_CONFIG } from './throttle.constants';
export { ThrottleGuard } from './throttle.guard';
export { ThrottleRoutes } from './throttle-routes';
export type { RoutePlan } from './throttle-routes';
export { ThrottleScope, SkipThrottle, THROTTLE_SCOPES, SKIP_THROTTLE } from './throttle-scope.decorator';
export { ThrottleException, ThrottleStoreUnavailableException, throttledBody } from './throttle.exception';
export type { ThrottledBody } from './throttle.exception';
export { ThrottleConfigError, normalizeOptions } from './throttle-options';
export type { ThrottleModuleOptions, ScopeOptions, OnStoreError, ThrottleConfig, CompiledScope } from './throttle-options';
export { parseRate, formatRate, RateParseError, MAX_LIMIT, MAX_WINDOW_MS } from './rate';
export type { Rate } from './rate';
export { ThrottleKeyError, compileIdentity, hashIdentity } from './identity';
export type { ThrottleKey, ThrottleKeyFn, IdentityResolver } from './identity';
export { compileClientIp, normalizeIp } from './client-ip';
export type { TrustProxy, ClientIpResolver } from './client-ip';
export { writeHeaders, toSeconds } from './headers';
export { ThrottleClock, MonotonicClock } from './clock';
export { ThrottleStorage, ThrottleStoreUnavailableError } from './storage/throttle-storage';
export type { ThrottleRule, ThrottleRequest, ThrottleDecision, RuleState, StorageHealth } from './storage/throttle-storage';
export { MemoryThrottleStorage, DEFAULT_MAX_KEYS } from './storage/memory.storage';
export type { MemoryStorageOptions } from './storage/memory.storage';
