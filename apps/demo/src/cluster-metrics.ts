import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, Registry } from 'prom-client';

const ASK = 'demo:metrics?';
const ANSWER = 'demo:metrics';
const TIMEOUT_MS = 5_000;

type Answer = { type: typeof ANSWER; id: string; text?: string; error?: string };

/**
 * Metrics of every worker, summed (prom-client's AggregatorRegistry): a worker serving /metrics asks the
 * primary, which gathers all workers' registries over IPC. With one process it is the registry itself.
 */
export function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker) return registry.metrics();
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('metrics: the primary did not answer'));
    }, TIMEOUT_MS);
    const onMessage = (msg: Answer) => {
      if (msg?.type !== ANSWER || msg.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (msg.text !== undefined) resolve(msg.text);
      else reject(new Error(msg.error ?? 'metrics: no answer'));
    };
    process.on('message', onMessage);
    process.send?.({ type: ASK, id });
  });
}

/** In a worker: lets the primary's aggregator read this registry. */
export function shareRegistryWithPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  new AggregatorRegistry(); // its constructor installs the worker's answer to the primary's requests
  AggregatorRegistry.setRegistries([registry]);
}

/** In the primary: answers workers' metrics requests with the aggregate of all workers. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, msg: { type?: string; id?: string }) => {
    if (msg?.type !== ASK || typeof msg.id !== 'string') return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: msg.id, text }),
      (error: Error) => worker.send({ type: ANSWER, id: msg.id, error: error.message }),
    );
  });
}
