import type { Redis } from 'ioredis';
import { StoreTimeoutError } from '../storage/resilient/store-timeout';
import { ScriptBatcher } from './batch';
import type { ScriptResult } from './cross-slot';

/** A client whose batch calls answer when the test says. */
function fakeClient() {
  const calls: { resolve(reply: number[]): void; reject(error: unknown): void }[] = [];
  const client = {
    defineCommand: () => undefined,
    throttleDecideBatch: () => new Promise<number[]>((resolve, reject) => calls.push({ resolve, reject })),
  };
  return { client: client as unknown as Redis, calls };
}

const rule = { key: 'hi:{a}', limit: 5, windowMs: 60_000 };

describe('ScriptBatcher: one timer per call', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fails the requests that gave a time limit with StoreTimeoutError; a late reply reaches only the others, once', async () => {
    const { client, calls } = fakeClient();
    const batcher = new ScriptBatcher(client, 'i', { cluster: false, keyPrefix: '' });
    const seen: [string, unknown][] = [];
    const record = (name: string) => (error: unknown, result?: ScriptResult) => seen.push([name, result?.allowed ?? error]);
    batcher.enqueue([rule], '1', record('bounded'), 100);
    batcher.enqueue([rule], '2', record('unbounded'));
    jest.advanceTimersByTime(0); // setImmediate: the call leaves
    expect(calls).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(1); // one timer for the call, none per request
    jest.advanceTimersByTime(100);
    jest.advanceTimersByTime(1); // the expiry waits for the next I/O poll (setImmediate)
    expect(seen).toEqual([['bounded', new StoreTimeoutError(100)]]);
    calls[0].resolve([1_000, 1, 0, -1, -1, -1, 1, 1, -1, -1, -1]);
    await Promise.resolve();
    expect(seen).toEqual([
      ['bounded', new StoreTimeoutError(100)],
      ['unbounded', true],
    ]);
  });

  it('a reply in time clears the timer; a failed call fails each request once', async () => {
    const { client, calls } = fakeClient();
    const batcher = new ScriptBatcher(client, 'i', { cluster: false, keyPrefix: '' });
    const answered = batcher.decide([rule], '1');
    const done = jest.fn();
    batcher.enqueue([rule], '2', done, 100);
    jest.advanceTimersByTime(0);
    calls[0].resolve([1_000, 1, 0, -1, -1, -1, 0, 5, 0, 1_000, 1_000]);
    await expect(answered).resolves.toMatchObject({ allowed: true, nowUs: 1_000 });
    expect(jest.getTimerCount()).toBe(0);
    expect(done).toHaveBeenCalledWith(undefined, expect.objectContaining({ allowed: false }));
    const failing = jest.fn();
    batcher.enqueue([rule], '3', failing, 100);
    jest.advanceTimersByTime(0);
    calls[1].reject(new Error('READONLY'));
    await Promise.resolve();
    await Promise.resolve();
    jest.advanceTimersByTime(200);
    expect(failing.mock.calls).toEqual([[new Error('READONLY')]]);
  });
});
