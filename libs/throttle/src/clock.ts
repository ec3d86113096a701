/**
 * The limiter's time source, injectable so tests can use a fake clock (`nest-scoped-throttle/testing`).
 *
 * @example
 * Test.createTestingModule({ imports: [ThrottleModule.forRoot(opts)] })
 *   .overrideProvider(ThrottleClock).useValue(new FakeClock())
 */
export abstract class ThrottleClock {
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  abstract now(): number;

  /**
   * The time a shared store must use instead of its own clock, or `undefined` (production): the Redis
   * store then reads Redis `TIME`, so replicas with skewed clocks agree. Only a clock detached from real
   * time (a test clock) returns one, so the same Lua script can be tested at exact window boundaries.
   */
  storeTime(): StoreTime | undefined {
    return undefined;
  }
}

/** A clock a shared store follows instead of its own (see {@link ThrottleClock.storeTime}). */
export interface StoreTime {
  /** Unix time in milliseconds, as the store would read it. */
  now(): number;
  /**
   * Added to every key's time-to-live: keys expire in real time while this clock may stand still, so
   * they must outlive any real duration a test spends between two readings.
   */
  readonly ttlSlackMs: number;
}

/** Monotonic wall-independent clock (`performance.now()`), immune to NTP steps. */
export class MonotonicClock extends ThrottleClock {
  now(): number {
    return performance.now();
  }
}
