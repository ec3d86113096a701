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
export { ThrottleStorage, ThrottleStoreUnavailableError, isPromise } from './storage/throttle-storage';
export type { ThrottleRule, ThrottleRequest, ThrottleDecision, RuleState, StorageHealth } from './storage/throttle-storage';
export { MemoryThrottleStorage, DEFAULT_MAX_KEYS } from './storage/memory.storage';
export type { MemoryStorageOptions } from './storage/memory.storage';
export { ThrottleMetrics } from './metrics/throttle-metrics';
export type { ThrottleMetricsOptions } from './metrics/throttle-metrics';
export { ThrottleFastLane } from './fast-lane/fastify-fast-lane';
export { buildRules, THROTTLE_DECIDED } from './rules';
export { refusedScope, storeUnavailableBody } from './throttle.exception';
export { RedisThrottleStorage, TEST_MODE_TTL_SLACK_MS } from './storage/redis.storage';
export type { RedisThrottleStorageOptions } from './storage/redis.storage';
export { SLIDING_LOG_SCRIPT, SLIDING_LOG_SHA, SLIDING_LOG_COMMAND } from './storage/sliding-log.script';
export { compileRedisOptions, connectRedis } from './storage/redis-connection';
export type { RedisStoreOptions, RedisTarget, RedisConnection } from './storage/redis-connection';
export { ResilientThrottleStorage, DEFAULT_STORE_TIMEOUT_MS } from './storage/resilient.storage';
export { StoreTimeoutError, withTimeout, describeError } from './storage/store-timeout';
export type { ResilientStorageOptions, PrimaryStorage } from './storage/resilient.storage';
export { CircuitBreaker } from './storage/circuit-breaker';
export type { CircuitState, CircuitBreakerOptions } from './storage/circuit-breaker';
export { DenyCache } from './storage/deny-cache';
export type {
  ThrottleStoreEvents,
  ThrottleStoreStats,
  DecisionEvent,
  DecisionSource,
  StoreErrorEvent,
  CircuitChangeEvent,
} from './storage/store-events';
export { createThrottleStorage } from './storage/storage-factory';
