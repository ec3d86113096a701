// The public API of nest-scoped-throttle: what an app author uses. Test helpers (fake clock, the
// storage conformance suite, the reference model) are in `nest-scoped-throttle/testing`.

// Module, decorators, guard
export { ThrottleModule } from './module/throttle.module';
export { ThrottleScope, SkipThrottle, ThrottleCost } from './core/throttle-scope.decorator';
export { ThrottleGuard } from './http/throttle.guard';

// Runtime API
export { ThrottleService } from './service/throttle.service';
export type { ThrottleResult, ThrottleCallOptions } from './service/throttle.service';
export { ipIdentity } from './service/throttle-identity';
export type { ThrottleIdentity, IdentityInput } from './service/throttle-identity';

// Options
export type { ThrottleModuleOptions, ScopeOptions } from './options/throttle-options';
export type { ThrottleKey } from './identity/identity';
export type { ThrottleTier } from './options/tier';
export type { RedisStoreOptions } from './redis/config/redis-options';
export type { OnStoreError } from './storage/resilient/resilient-options';
export type { ThrottleMetricsOptions } from './metrics/throttle-metrics';
export { parseRate } from './options/grammar/rate';

// Concurrency limits and load shedding
export { PressureProbe } from './shedding/pressure-probe';
export type { Pressure } from './shedding/pressure-probe';
export type { ShedOptions, ShedPriority } from './shedding/shed-options';

// Config files (YAML or JSON) and environment overrides
export { throttleConfig, loadThrottleConfig } from './config/throttle-config';
export type { ThrottleConfigOptions } from './config/throttle-config';
export { ThrottleConfigFileError } from './config/config-file';

// Storage contract and the two stores
export { ThrottleStorage, ThrottleStoreUnavailableError } from './storage/throttle-storage';
export type { ThrottleRule, ThrottleAlgorithm, ThrottleRequest, ThrottleDecision, StorageHealth } from './storage/throttle-storage';
export { MemoryThrottleStorage } from './storage/memory/memory.storage';
export { RedisThrottleStorage } from './redis/redis.storage';
export { ThrottleClock } from './clock';

// Errors and exceptions
export { ThrottleConfigError } from './options/grammar/config-error';
export { ThrottleException, ThrottleStoreUnavailableException } from './core/throttle.exception';
export { ThrottledGraphQLError } from './contexts/graphql-errors';
export { outcomeStatus, ThrottleOutcome } from './contexts/throttle-outcome';

// Metrics
export { ThrottleMetrics } from './metrics/throttle-metrics';
export { OtelThrottleMetrics, OTEL_INSTRUMENTS } from './metrics/otel-metrics';
export type { OtelMetricsOptions } from './metrics/otel-metrics';
export type { MetricsBackend, MetricsOption, MetricsOptions } from './options/metrics-option';
