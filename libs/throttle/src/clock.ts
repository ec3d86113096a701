/**
 * The time source of the memory store, injectable so tests can use a fake clock.
 *
 * @example
 * Test.createTestingModule({ imports: [ThrottleModule.forRoot(opts)] })
 *   .overrideProvider(ThrottleClock).useValue(new FakeClock())
 */
export abstract class ThrottleClock {
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  abstract now(): number;
}

/** Monotonic wall-independent clock (`performance.now()`), immune to NTP steps. */
export class MonotonicClock extends ThrottleClock {
  now(): number {
    return performance.now();
  }
}
