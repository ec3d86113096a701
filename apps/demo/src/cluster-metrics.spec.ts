import cluster from 'node:cluster';
import { Registry } from 'prom-client';
import { metricsText } from './cluster-metrics';

// A worker's /metrics asks the primary over IPC. Regression (issue 24): concurrent scrapes added one
// process 'message' listener each (a MaxListenersExceededWarning at 11).
describe('metricsText in a worker', () => {
  const sent: { type: string; id: string }[] = [];
  let connected: PropertyDescriptor | undefined;
  beforeEach(() => {
    sent.length = 0;
    jest.replaceProperty(cluster, 'isWorker', true);
    connected = Object.getOwnPropertyDescriptor(process, 'connected');
    Object.defineProperty(process, 'connected', { value: true, configurable: true });
    process.send = ((msg: { type: string; id: string }, _handle: unknown, _options: unknown, callback?: (error: Error | null) => void) => {
      sent.push(msg);
      callback?.(null);
      return true;
    }) as typeof process.send;
  });
  afterEach(() => {
    delete process.send;
    delete (process as { connected?: boolean }).connected;
    if (connected) Object.defineProperty(process, 'connected', connected);
    jest.restoreAllMocks();
    jest.useRealTimers();
  });
  const answer = (id: string, reply: { text?: string; error?: string }) =>
    process.emit('message', { type: 'demo:metrics', id, ...reply }, undefined);

  it('30 concurrent scrapes share one message listener, each gets its own answer, and none is left after', async () => {
    const baseline = process.listenerCount('message');
    const scrapes = Array.from({ length: 30 }, () => metricsText(new Registry()));
    expect(sent).toHaveLength(30);
    expect(process.listenerCount('message')).toBe(baseline + 1);
    for (const [i, ask] of [...sent.entries()].reverse()) answer(ask.id, { text: `metrics ${i}` });
    expect(await Promise.all(scrapes)).toEqual(sent.map((_, i) => `metrics ${i}`));
    expect(process.listenerCount('message')).toBe(baseline);
  });

  it("a scrape the primary does not answer fails after 5 s and lets go of the listener; an error answer is the scrape's error", async () => {
    jest.useFakeTimers();
    const baseline = process.listenerCount('message');
    const unanswered = metricsText(new Registry());
    const refused = metricsText(new Registry());
    answer(sent[1].id, { error: 'metrics: worker 12 exited before answering' });
    await expect(refused).rejects.toThrow('worker 12 exited before answering');
    jest.advanceTimersByTime(5_000);
    await expect(unanswered).rejects.toThrow('the primary did not answer');
    expect(process.listenerCount('message')).toBe(baseline);
  });
});
