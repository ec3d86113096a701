import { StoreTime, ThrottleClock } from '../clock';

/**
 * A clock that moves only when told to. Starts at a realistic epoch value and offers itself as the
 * shared stores' time ({@link ThrottleClock.storeTime}), so the Redis store runs its real script on
 * this clock too, deterministically.
 *
 * @example
 * const clock = new FakeClock();
 * moduleRef.overrideProvider(ThrottleClock).useValue(clock);
 * clock.advance(60_000);
 */
export class FakeClock extends ThrottleClock {
  /** Keys outlive a standing fake clock by ten real minutes: longer than any test. */
  static readonly TTL_SLACK_MS = 600_000;

  constructor(private current = 1_700_000_000_000) {
    super();
  }

  now(): number {
    return this.current;
  }

  override storeTime(): StoreTime {
    return { now: () => this.current, ttlSlackMs: FakeClock.TTL_SLACK_MS };
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be >= 0, got ${ms}`);
    this.current += ms;
  }
}
