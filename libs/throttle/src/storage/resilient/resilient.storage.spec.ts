import { LoggerService } from '@nestjs/common';
import { FakeClock } from '../../testing';
import { MemoryThrottleStorage } from '../memory/memory.storage';
import { ThrottleDecision, ThrottleRequest, ThrottleStorage, ThrottleStoreUnavailableError } from '../throttle-storage';
import { ResilientStorageOptions } from './resilient-options';
import { ResilientThrottleStorage } from './resilient.storage';

/** A shared store stand-in: a real memory store that can be switched to fail or hang. */
class SwitchableStore extends ThrottleStorage {
  mode: 'up' | 'down' | 'hang' = 'up';
  calls = 0;
  closed = false;
  openError?: Error;
  openedWithin?: number;
  readyListeners = new Set<() => void>();
  constructor(private readonly inner: ThrottleStorage) {
    super();
  }
  /** What the Redis store does once its client has reconnected and the script is loaded again. */
  becomeReady(): void {
    this.readyListeners.forEach((listener) => listener());
  }
  consume(request: ThrottleRequest): Promise<ThrottleDecision> {
    this.calls += 1;
    if (this.mode === 'down') return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    if (this.mode === 'hang') return new Promise(() => undefined);
    return this.inner.consume(request);
  }
  async open(waitMs: number): Promise<void> {
    this.openedWithin = waitMs;
    if (this.openError) throw this.openError;
  }
  watchReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function setup(options: ResilientStorageOptions = {}) {
  const clock = new FakeClock();
  const shared = new SwitchableStore(new MemoryThrottleStorage({}, clock));
  const lines: string[] = [];
  const logger: LoggerService = {
    log: (m) => lines.push(`log ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  const storage = new ResilientThrottleStorage(shared, { clock, logger, breaker: { cooldownMs: 1_000 }, ...options });
  return { clock, shared, lines, storage };
}
const req = (key: string, limit = 2, windowMs = 1_000): ThrottleRequest => ({ rules: [{ key, limit, windowMs }] });

describe('ResilientThrottleStorage', () => {
  it('passes decisions through while the store answers, and reports ok', async () => {
    const { storage, shared } = setup();
    expect(await storage.consume(req('a'))).toEqual({ allowed: true, states: [{ remaining: 1, resetMs: 1_000, retryAfterMs: 0 }] });
    expect(shared.calls).toBe(1);
    expect(storage.health()).toEqual({ store: 'redis', state: 'ok', circuit: 'closed', policy: 'local' });
  });

  it('refuses a full key from the deny cache without calling the store until it frees', async () => {
    const { storage, shared, clock } = setup();
    const hits: string[] = [];
    storage.subscribe({ denyCacheHit: (e) => hits.push(e.key) });
    await storage.consume(req('full', 1));
    const refused = await storage.consume(req('full', 1));
    expect(refused.allowed).toBe(false);
    clock.advance(300);
    expect(storage.decideSync(req('full', 1))).toEqual({ allowed: false, states: [{ remaining: 0, resetMs: 700, retryAfterMs: 700 }] });
    expect(storage.decideSync(req('full', 1))?.allowed).toBe(false);
    expect(shared.calls).toBe(2);
    expect(hits).toEqual(['full', 'full']);
    clock.advance(700);
    expect(storage.decideSync(req('full', 1))).toBeUndefined();
    expect((await storage.consume(req('full', 1))).allowed).toBe(true);
    expect(shared.calls).toBe(3);
    expect(storage.stats()).toMatchObject({ denyCacheHits: 2, storeDecisions: 3 });
  });

  it('local: opens the circuit after 3 failures, logs once, keeps per-process limits, resumes after a probe', async () => {
    const { storage, shared, clock, lines } = setup();
    shared.mode = 'down';
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await storage.consume(req('k'))).allowed);
    expect(results).toEqual([true, true, false, false, false]); // the local memory store's limit of 2
    expect(shared.calls).toBe(3); // then the circuit is open: no more calls
    expect(storage.health()).toMatchObject({ state: 'degraded', circuit: 'open' });
    expect(lines).toEqual(['warn Redis store unavailable (ECONNREFUSED): falling back to local limits (per process)']);
    shared.mode = 'up';
    clock.advance(1_000);
    expect((await storage.consume(req('fresh'))).allowed).toBe(true); // the probe
    expect(storage.health()).toMatchObject({ state: 'ok', circuit: 'closed' });
    expect(lines[1]).toBe('log Redis store back (probe succeeded): shared limits resumed');
    expect(lines).toHaveLength(2);
  });

  it('allow: admits undecided requests with remaining = limit - 1 and a fresh window', async () => {
    const { storage, shared } = setup({ policy: 'allow' });
    shared.mode = 'down';
    for (let i = 0; i < 5; i++) {
      expect(await storage.consume(req('k', 3, 60_000))).toEqual({
        allowed: true,
        states: [{ remaining: 2, resetMs: 60_000, retryAfterMs: 0 }],
      });
    }
  });

  it('deny: throws ThrottleStoreUnavailableError (the guard answers 503)', async () => {
    const { storage, shared, lines } = setup({ policy: 'deny' });
    shared.mode = 'down';
    for (let i = 0; i < 4; i++) await expect(storage.consume(req('k'))).rejects.toBeInstanceOf(ThrottleStoreUnavailableError);
    expect(lines).toEqual(['warn Redis store unavailable (ECONNREFUSED): refusing requests with 503 (onStoreError: deny)']);
  });

  // Issue 9 item 2: each process decided locally until its own probe, up to 5 s after traffic resumed.
  it('closes the circuit as soon as the store is ready again: no request, no probe, no cooldown', async () => {
    const { storage, shared, lines } = setup();
    const changes: string[] = [];
    storage.subscribe({ circuitChange: (e) => changes.push(`${e.from}->${e.to} (${e.reason})`) });
    await storage.onApplicationBootstrap();
    shared.mode = 'down';
    for (let i = 0; i < 3; i++) await storage.consume(req(`d${i}`));
    expect(storage.circuit).toBe('open');
    shared.mode = 'up';
    shared.becomeReady(); // the clock has not moved: the probe's cooldown has not elapsed
    expect(storage.circuit).toBe('closed');
    expect(lines[1]).toBe('log Redis store back (connection ready): shared limits resumed');
    expect(changes).toEqual(['closed->open (ECONNREFUSED)', 'open->closed (connection ready)']);
    const calls = shared.calls;
    await storage.consume(req('after'));
    expect(shared.calls).toBe(calls + 1);
    expect(storage.stats()).toMatchObject({ circuitOpens: 1, storeDecisions: 1 });
  });

  it('waits for the store at boot within bootTimeoutMs (default 5 s), and stops listening for ready at shutdown', async () => {
    const { storage, shared } = setup({ bootTimeoutMs: 1_500 });
    await storage.onApplicationBootstrap();
    expect(shared.openedWithin).toBe(1_500);
    expect(shared.readyListeners.size).toBe(1);
    await storage.onApplicationShutdown();
    expect(shared.readyListeners.size).toBe(0);
    const defaults = setup();
    await defaults.storage.onApplicationBootstrap();
    expect(defaults.shared.openedWithin).toBe(5_000);
  });

  describe('with a store that hangs', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
    afterEach(() => jest.useRealTimers());

    it('gives up after timeoutMs and decides by policy; the open circuit then answers at once', async () => {
      const { storage, shared } = setup({ timeoutMs: 100 });
      shared.mode = 'hang';
      for (let i = 0; i < 3; i++) {
        let settled = false;
        const decision = storage.consume(req(`h${i}`)).then((d) => ((settled = true), d));
        await jest.advanceTimersByTimeAsync(99);
        expect(settled).toBe(false);
        await jest.advanceTimersByTimeAsync(1);
        expect(await decision).toMatchObject({ allowed: true });
      }
      expect(storage.stats()).toMatchObject({ timeouts: 3, storeErrors: 3, circuitOpens: 1 });
      expect((await storage.consume(req('after'))).allowed).toBe(true); // no timer needed: the circuit is open
      expect(shared.calls).toBe(3);
    });

    // Issue 9 item 1: a slow store (circuit still closed) must not hand out a share of its own on top of
    // the open circuit's: both paths decide from the one local fallback.
    it('decides timeouts with a closed circuit from the same local store as the open circuit', async () => {
      const { storage, shared } = setup({ timeoutMs: 100 });
      shared.mode = 'hang';
      const allowed: boolean[] = [];
      for (let i = 0; i < 4; i++) {
        const decision = storage.consume(req('slow', 2));
        if (i < 3) await jest.advanceTimersByTimeAsync(100);
        allowed.push((await decision).allowed);
      }
      expect(allowed).toEqual([true, true, false, false]); // 2 by timeouts (circuit closed), then refused, then open
      expect(storage.stats()).toMatchObject({ timeouts: 3, circuitOpens: 1, policyDecisions: 4 });
    });
  });

  it('starts degraded with one log line when the store is unreachable at boot', async () => {
    const { storage, shared, lines } = setup({ description: 'redis://127.0.0.1:6390/' });
    shared.openError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });
    await storage.onApplicationBootstrap();
    expect(storage.circuit).toBe('open');
    expect(lines).toEqual([
      'warn Redis store redis://127.0.0.1:6390/ unavailable (ECONNREFUSED at boot): falling back to local limits (per process)',
    ]);
    expect((await storage.consume(req('k'))).allowed).toBe(true);
    expect(shared.calls).toBe(0);
  });

  it('publishes decision, error and circuit events; a throwing listener fails nothing', async () => {
    const { storage, shared } = setup();
    const seen: string[] = [];
    storage.subscribe({
      decision: () => {
        throw new Error('metrics bug');
      },
    });
    const unsubscribe = storage.subscribe({
      decision: (e) => seen.push(`decision ${e.source} ${e.allowed}`),
      storeError: (e) => seen.push(`error ${e.reason}`),
      circuitChange: (e) => seen.push(`circuit ${e.from}->${e.to}`),
    });
    await storage.consume(req('e'));
    shared.mode = 'down';
    for (let i = 0; i < 3; i++) await storage.consume(req('e2'));
    unsubscribe();
    await storage.consume(req('e3'));
    expect(seen).toEqual([
      'decision store true',
      'error ECONNREFUSED',
      'decision policy true',
      'error ECONNREFUSED',
      'decision policy true',
      'error ECONNREFUSED',
      'circuit closed->open',
      'decision policy false',
    ]);
  });

  it('closes the store at shutdown', async () => {
    const { storage, shared } = setup();
    await storage.onApplicationShutdown();
    expect(shared.closed).toBe(true);
  });
});
