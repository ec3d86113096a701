/** The side of an IPC channel a worker asks on: `process` in a worker (node:cluster). */
export interface AskChannel {
  on(event: 'message', listener: (msg: AskReply) => void): unknown;
  off(event: 'message', listener: (msg: AskReply) => void): unknown;
}

/** The primary's answer to one ask: the text, or why there is none. */
export interface AskReply {
  type?: string;
  id?: string;
  text?: string;
  error?: string;
}

interface PendingAsk {
  resolve(text: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A worker's open asks to the primary, matched to answers by id through ONE 'message' listener on the
 * channel, held only while an ask is open: concurrent scrapes no longer add a listener each (11 of
 * them printed `MaxListenersExceededWarning`), and an idle worker holds none.
 *
 * @example
 * const asker = new MetricsAsker(process, 'demo:metrics', 5_000);
 * const text = await asker.ask(id, () => process.send({ type: 'demo:metrics?', id }));
 */
export class MetricsAsker {
  private readonly pending = new Map<string, PendingAsk>();
  private readonly onMessage = (msg: AskReply) => {
    if (msg?.type !== this.answerType || typeof msg.id !== 'string') return;
    if (msg.error === undefined && msg.text !== undefined) this.settle(msg.id, undefined, msg.text);
    else this.settle(msg.id, new Error(msg.error ?? 'metrics: no answer'));
  };

  constructor(
    private readonly channel: AskChannel,
    private readonly answerType: string,
    private readonly timeoutMs: number,
  ) {}

  /** Sends an ask (`send`, which calls `fail` if it cannot); resolves with the answer to `id`, rejects on its error or after the timeout. */
  ask(id: string, send: (fail: (error: Error) => void) => void): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, new Error('metrics: the primary did not answer')), this.timeoutMs);
      if (this.pending.size === 0) this.channel.on('message', this.onMessage);
      this.pending.set(id, { resolve, reject, timer });
      send((error) => this.settle(id, error));
    });
  }

  /** Asks still waiting for an answer. */
  get open(): number {
    return this.pending.size;
  }

  private settle(id: string, error?: Error, text?: string): void {
    const ask = this.pending.get(id);
    if (ask === undefined) return;
    this.pending.delete(id);
    clearTimeout(ask.timer);
    if (this.pending.size === 0) this.channel.off('message', this.onMessage);
    if (error) ask.reject(error);
    else ask.resolve(text ?? '');
  }
}
