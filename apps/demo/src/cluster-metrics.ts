import cluster, { Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, Registry } from 'prom-client';
import { MetricsAsker } from './metrics-asker';

// The IPC protocol. Worker → primary: SHARED (my registry can be gathered), ASK (aggregate for me), PART (my
// registry as JSON). Primary → worker: GATHER (send me your PART), ANSWER (the aggregate, or why there is none).
const SHARED = 'demo:metrics:shared';
const ASK = 'demo:metrics?';
const GATHER = 'demo:metrics:gather';
const PART = 'demo:metrics:part';
const ANSWER = 'demo:metrics';
/** How long a worker waits for the primary's answer. */
const ASK_TIMEOUT_MS = 5_000;
/** How long the primary waits for the workers' parts: shorter, so the asking worker hears which worker failed. */
const GATHER_TIMEOUT_MS = 4_000;

type Message = { type?: string; id?: string; text?: string; error?: string; metrics?: object[] };

/** Sends over IPC without ever throwing or emitting 'error' (a closed channel is reported to `onError`). */
function sendSafely(target: Worker | NodeJS.Process, msg: Message, onError: (error: Error) => void = () => {}): void {
  const connected = 'isConnected' in target ? target.isConnected() : target.connected;
  if (!connected || !target.send) return onError(new Error('the IPC channel is closed'));
  target.send(msg, undefined, undefined, (error: Error | null) => error && onError(error));
}

/**
 * Metrics of every worker, summed (prom-client's `AggregatorRegistry.aggregate`): a worker serving /metrics asks
 * the primary, which gathers every worker's registry over IPC. With one process it is the registry itself.
 * Rejects (the route answers 503) when the primary cannot gather them all.
 */
export function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker) return registry.metrics();
  asker ??= new MetricsAsker(process, ANSWER, ASK_TIMEOUT_MS);
  const id = randomUUID();
  return asker.ask(id, (fail) =>
    sendSafely(process, { type: ASK, id }, (error) => fail(new Error(`metrics: cannot ask the primary: ${error.message}`))),
  );
}

/** This worker's open asks (one 'message' listener for all of them). */
let asker: MetricsAsker | undefined;

/** In a worker: answers the primary's GATHER with this registry, and tells the primary it can be gathered. */
export function shareRegistryWithPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  process.on('message', (msg: Message) => {
    if (msg?.type !== GATHER) return;
    registry.getMetricsAsJSON().then(
      (metrics) => sendSafely(process, { type: PART, id: msg.id, metrics }),
      (error: Error) => sendSafely(process, { type: PART, id: msg.id, error: error.message }),
    );
  });
  sendSafely(process, { type: SHARED });
}

/** One aggregation in the primary: waits for a PART from each asked worker; fails at the first one lost. */
class Gathering {
  private readonly waiting = new Set<Worker>();
  private readonly parts: object[][] = [];
  private settled = false;
  private timer?: NodeJS.Timeout;
  readonly id = randomUUID();

  constructor(private readonly settle: (error: Error | undefined, parts: object[][]) => void) {}

  /** Asks every connected worker for its part; settles (once) when all answered, or at the first failure. */
  start(workers: Iterable<Worker>): void {
    this.timer = setTimeout(
      () => this.fail(`worker ${[...this.waiting].map(pidOf).join(', ')} did not answer within ${GATHER_TIMEOUT_MS} ms`),
      GATHER_TIMEOUT_MS,
    );
    for (const worker of workers) {
      if (!worker.isConnected()) continue;
      this.waiting.add(worker);
      sendSafely(worker, { type: GATHER, id: this.id }, (error) =>
        this.fail(`worker ${pidOf(worker)} could not be asked (${error.message})`),
      );
    }
    if (this.waiting.size === 0) this.fail('no worker is connected');
  }

  receive(worker: Worker, msg: Message): void {
    if (!this.waiting.delete(worker)) return;
    if (msg.error !== undefined) return this.fail(`worker ${pidOf(worker)} failed: ${msg.error}`);
    this.parts.push(msg.metrics ?? []);
    if (this.waiting.size === 0) this.finish(undefined);
  }

  lost(worker: Worker): void {
    if (this.waiting.has(worker)) this.fail(`worker ${pidOf(worker)} exited before answering`);
  }

  private fail(why: string): void {
    this.finish(new Error(`metrics: ${why}`));
  }

  private finish(error: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.waiting.clear();
    this.settle(error, this.parts);
  }
}

function pidOf(worker: Worker): string {
  return String(worker.process.pid);
}

/**
 * In the primary: answers workers' ASK with the aggregate of every worker that shared its registry. It never
 * sends to a disconnected worker and handles every send error, so a worker dying mid-scrape costs that scrape
 * a 503, never the primary.
 */
export function serveClusterMetrics(): void {
  const shared = new Set<Worker>();
  const gatherings = new Map<string, Gathering>();
  const answer = (asker: Worker, msg: Message) => sendSafely(asker, { ...msg, type: ANSWER }); // a dead asker needs no answer
  const forget = (worker: Worker) => {
    shared.delete(worker);
    for (const gathering of [...gatherings.values()]) gathering.lost(worker);
  };
  cluster.on('disconnect', forget);
  cluster.on('exit', forget);
  cluster.on('message', (worker, msg: Message) => {
    if (msg?.type === SHARED) shared.add(worker);
    else if (msg?.type === PART && typeof msg.id === 'string') gatherings.get(msg.id)?.receive(worker, msg);
    else if (msg?.type === ASK && typeof msg.id === 'string') {
      const id = msg.id;
      const gathering = new Gathering((error, parts) => {
        gatherings.delete(gathering.id);
        if (error) return answer(worker, { id, error: error.message });
        Promise.resolve(parts)
          .then((all) => AggregatorRegistry.aggregate(all).metrics())
          .then(
            (text) => answer(worker, { id, text }),
            (failure: Error) => answer(worker, { id, error: `metrics: aggregation failed: ${failure.message}` }),
          );
      });
      gatherings.set(gathering.id, gathering);
      gathering.start(shared);
    }
  });
}
