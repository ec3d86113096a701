import { ThrottleClock } from '../clock';

/**
 * A clock that moves only when told to. Starts at a realistic epoch value so stores that read it
 * as Unix milliseconds (the Redis store in test mode) behave as in production.
 *
 * @example
 * const clock = new FakeClock();
 * moduleRef.overrideProvider(ThrottleClock).useValue(clock);
 * clock.advance(60_000);
 */
export class FakeClock extends ThrottleClock {
  constructor(private current = 1_700_000_000_000) {
    super();
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be >= 0, got ${ms}`);
    this.current += ms;
  }
}
