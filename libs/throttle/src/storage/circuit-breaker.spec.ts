import { FakeClock } from '../testing';
import { CircuitBreaker, CircuitState } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let clock: FakeClock;
  let changes: string[];
  let breaker: CircuitBreaker;
  beforeEach(() => {
    clock = new FakeClock();
    changes = [];
    breaker = new CircuitBreaker(
      clock,
      { failureThreshold: 3, cooldownMs: 1_000, maxCooldownMs: 4_000 },
      (from: CircuitState, to: CircuitState) => changes.push(`${from}->${to}`),
    );
  });
  const fail = (n: number) => {
    for (let i = 0; i < n; i++) breaker.onFailure('ECONNREFUSED');
  };

  it('stays closed below the threshold, and a success resets the count', () => {
    fail(2);
    breaker.onSuccess();
    fail(2);
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(changes).toEqual([]);
  });

  it('opens after N consecutive failures and refuses calls until the cooldown ends', () => {
    fail(3);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    clock.advance(999);
    expect(breaker.tryAcquire()).toBe(false);
    expect(changes).toEqual(['closed->open']);
  });

  it('lets exactly one probe through after the cooldown; its success closes the circuit', () => {
    fail(3);
    clock.advance(1_000);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(false); // one probe at a time
    breaker.onSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('reopens on a failed probe with a doubled cooldown, capped', () => {
    fail(3);
    const cooldowns: number[] = [];
    for (let i = 0; i < 4; i++) {
      const cooldown = breaker.currentCooldownMs;
      cooldowns.push(cooldown);
      clock.advance(cooldown - 1);
      expect(breaker.tryAcquire()).toBe(false);
      clock.advance(1);
      expect(breaker.tryAcquire()).toBe(true);
      breaker.onFailure('timeout after 100 ms');
      expect(breaker.state).toBe('open');
    }
    expect(cooldowns).toEqual([1_000, 2_000, 4_000, 4_000]);
    clock.advance(4_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onSuccess();
    fail(3); // after recovery the cooldown starts from the base again
    expect(breaker.currentCooldownMs).toBe(1_000);
  });

  it('trip() opens at once (store unreachable at boot) and reports the reason', () => {
    const reasons: string[] = [];
    const b = new CircuitBreaker(clock, {}, (_from, _to, reason) => reasons.push(reason));
    b.trip('ECONNREFUSED at boot');
    b.trip('again');
    expect(b.state).toBe('open');
    expect(reasons).toEqual(['ECONNREFUSED at boot']);
  });

  it('close() (the client is ready again) closes at once, without waiting for a probe, and reports why', () => {
    const reasons: string[] = [];
    const b = new CircuitBreaker(clock, { cooldownMs: 1_000, maxCooldownMs: 4_000 }, (from, to, reason) =>
      reasons.push(`${from}->${to} ${reason}`),
    );
    b.trip('ECONNREFUSED');
    clock.advance(1_000);
    expect(b.tryAcquire()).toBe(true); // a probe in flight
    b.onFailure('timeout after 100 ms'); // reopens, cooldown now 2 000
    b.close('connection ready');
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    b.close('connection ready'); // already closed: no change reported
    b.onFailure('x');
    b.onFailure('x');
    b.onFailure('x'); // past failures were forgotten: three new ones open it, with the base cooldown
    expect(b.currentCooldownMs).toBe(1_000);
    expect(reasons).toEqual([
      'closed->open ECONNREFUSED',
      'open->half-open probing',
      'half-open->open timeout after 100 ms',
      'open->closed connection ready',
      'closed->open x',
    ]);
  });

  it('caps the probe back-off at 1 s by default: the probe is only a backstop', () => {
    const b = new CircuitBreaker(clock);
    b.trip('ECONNREFUSED');
    for (let i = 0; i < 5; i++) {
      clock.advance(b.currentCooldownMs);
      expect(b.tryAcquire()).toBe(true);
      b.onFailure('ECONNREFUSED');
    }
    expect(b.currentCooldownMs).toBe(1_000);
    clock.advance(999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.tryAcquire()).toBe(true);
  });
});
