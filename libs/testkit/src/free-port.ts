/**
 * Free TCP ports on 127.0.0.1 for the private processes the tests, the experiment and the benchmark
 * start. Never 6379, so a Redis already running on the machine is never touched.
 */
import { createServer } from 'node:net';

/** Redis Cluster's bus listens on the client port plus this offset. */
const CLUSTER_BUS_OFFSET = 10_000;
/** Above this the bus port (port + 10 000) would not be a valid port. */
const HIGHEST_PORT = 65_535 - CLUSTER_BUS_OFFSET;

/**
 * A port that is free now, and whose cluster bus port (port + 10000) is free too, so the same port
 * serves a single node or a cluster node. Never 6379.
 *
 * @example
 * const port = await freePort();
 * spawn('redis-server', ['--port', String(port)]);
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (port > HIGHEST_PORT || port === 6379) continue;
    if ((await listenOnce(port + CLUSTER_BUS_OFFSET).catch(() => 0)) !== 0) return port;
  }
  throw new Error('no free port pair (port, port + 10000) found on 127.0.0.1 after 50 attempts');
}

/** Listens on `port` (0: any) on 127.0.0.1, closes at once and resolves with the port it got. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
