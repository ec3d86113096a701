import type { ThrottleClock } from '../clock';

/** `closed`: calls go to the store; `open`: they do not; `half-open`: one probe call is in flight. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}, all in milliseconds or counts. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 3. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe is let through. Default 1 000. */
  cooldownMs?: number;
  /** The cooldown doubles after each failed probe, up to this. Default 1 000: the probe is only a backstop. */
  maxCooldownMs?: number;
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_COOLDOWN_MS = 1_000;
export const DEFAULT_MAX_COOLDOWN_MS = 1_000;

/**
 * Stops calling a failing store: after `failureThreshold` consecutive failures it opens; after the
 * cooldown one call is let through as a probe; its success closes the circuit, its failure reopens it
 * with a doubled cooldown (capped). {@link close} closes it at once when the store says it is ready
 * again (a reconnected client), so recovery waits neither for traffic nor for the probe.
 * Time comes from the injected clock, so tests drive it without sleeping.
 *
 * @example
 * const breaker = new CircuitBreaker(clock, {}, (from, to) => log(`${from} -> ${to}`));
 * if (breaker.tryAcquire()) {
 *   try { await call(); breaker.onSuccess(); } catch (e) { breaker.onFailure(String(e)); }
 * } else { decideByPolicy(); }
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private cooldownMs: number;
  private readonly threshold: number;
  private readonly baseCooldownMs: number;
  private readonly maxCooldownMs: number;

  constructor(
    private readonly clock: ThrottleClock,
    options: CircuitBreakerOptions = {},
    private readonly onChange: (from: CircuitState, to: CircuitState, reason: string) => void = () => undefined,
  ) {
    this.threshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.baseCooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.maxCooldownMs = Math.max(this.baseCooldownMs, options.maxCooldownMs ?? DEFAULT_MAX_COOLDOWN_MS);
    this.cooldownMs = this.baseCooldownMs;
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Milliseconds the circuit will wait, once open, before its next probe. */
  get currentCooldownMs(): number {
    return this.cooldownMs;
  }

  /** True when a call may go to the store now (closed, or the one probe after the cooldown). */
  tryAcquire(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'half-open') return false;
    if (this.clock.now() - this.openedAt < this.cooldownMs) return false;
    this.transition('half-open', 'probing');
    return true;
  }

  onSuccess(): void {
    this.close('probe succeeded');
  }

  /** Closes the circuit now and forgets past failures (e.g. the store's client is connected and ready again). */
  close(reason: string): void {
    this.failures = 0;
    this.cooldownMs = this.baseCooldownMs;
    if (this.current !== 'closed') this.transition('closed', reason);
  }

  onFailure(reason: string): void {
    if (this.current === 'half-open') {
      this.cooldownMs = Math.min(this.cooldownMs * 2, this.maxCooldownMs);
      this.open(reason);
      return;
    }
    this.failures += 1;
    if (this.current === 'closed' && this.failures >= this.threshold) this.open(reason);
  }

  /** Opens the circuit now (e.g. the store is unreachable at boot). */
  trip(reason: string): void {
    if (this.current !== 'open') this.open(reason);
  }

  private open(reason: string): void {
    this.openedAt = this.clock.now();
    this.transition('open', reason);
  }

  private transition(to: CircuitState, reason: string): void {
    const from = this.current;
    this.current = to;
    if (from !== to) this.onChange(from, to, reason);
  }
}
