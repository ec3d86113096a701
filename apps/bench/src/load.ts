/**
 * The autocannon load generator (used where `wrk` is missing; see wrk.ts), as its own process so it
 * never shares an event loop with the bench's bookkeeping: `node dist/apps/bench/src/load.js '<LoadSpec JSON>'`.
 * Prints one line `RESULT <LoadResult JSON>`.
 */
import { runAsChild } from './children';

/** What to send. */
export interface LoadSpec {
  /** The route, e.g. `http://127.0.0.1:41234/`; requests add `?api_key=k<n>`. */
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /** Distinct identities, spread evenly over the run (S1); 1 floods a single one (S2). */
  readonly identities: number;
}

/** What the load generator measured. */
export interface LoadResult {
  /** Completed requests per second over the run. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly completed: number;
  /** Completed responses by status code (wrk: `2xx` and `non-2xx`, all it counts). */
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly durationS: number;
  /** CPU (user + system) the generator process used during the run, µs (autocannon only). */
  readonly generatorCpuUs?: number;
  /** `wrk` or `autocannon`. */
  readonly generator: string;
}

interface AutocannonClient {
  setRequests(requests: { method: string; path: string }[]): void;
}
interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  statusCodeStats?: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => unknown;

/**
 * The requests of client `c` of `connections`: identities c, c + connections, ... below `identities`,
 * so together the clients cycle through every identity evenly and no two clients share one.
 */
export function requestsOfClient(c: number, spec: LoadSpec): { method: string; path: string }[] {
  const path = new URL(spec.url).pathname;
  const ids: number[] = [];
  if (spec.identities <= 1) ids.push(0);
  else for (let id = c % spec.identities; id < spec.identities; id += spec.connections) ids.push(id);
  if (ids.length === 0) ids.push(c % spec.identities); // more connections than identities
  return ids.map((id) => ({ method: 'GET', path: `${path}?api_key=k${id}` }));
}

/** Runs autocannon for `spec.durationS` seconds. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- autocannon ships no types of the shape we use
  const autocannon = require('autocannon') as Autocannon;
  let next = 0;
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        pipelining: 1,
        duration: spec.durationS,
        timeout: 10,
        setupClient: (client: AutocannonClient) => client.setRequests(requestsOfClient(next++, spec)),
      },
      (error, result) => (error ? reject(error) : resolve(summarize(result, process.cpuUsage(cpu)))),
    );
  });
}

function summarize(result: AutocannonResult, cpu: NodeJS.CpuUsage): LoadResult {
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count;
  return {
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    completed: result.requests.total,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
    generatorCpuUs: cpu.user + cpu.system,
    generator: 'autocannon',
  };
}

if (require.main === module) runAsChild(() => runLoad(JSON.parse(process.argv[2]) as LoadSpec));
