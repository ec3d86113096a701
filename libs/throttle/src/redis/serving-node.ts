import type { Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';

/** Which Redis serves the store, for `health()`. */
export interface ServingNode {
  /** Single node or Sentinel: the `host:port` this process is connected to (the master), while ready. */
  readonly node?: string;
  /** Cluster: how many masters the client knows (one per slot range). */
  readonly masters?: number;
}

/**
 * The node serving a client: for a single Redis or Sentinel, the master's address as connected
 * (after a Sentinel failover, the promoted replica's); for a Cluster, the count of masters.
 *
 * @example
 * servingNode(client); // { node: '10.0.0.7:6379' }  or  { masters: 3 }
 */
export function servingNode(client: Redis | Cluster): ServingNode {
  if ((client as Cluster).isCluster) return { masters: (client as Cluster).nodes('master').length };
  const stream = (client as Redis).stream as Socket | undefined;
  const address = stream?.remoteAddress;
  if (client.status !== 'ready' || address === undefined) return {};
  return { node: `${address.includes(':') ? `[${address}]` : address}:${stream!.remotePort}` };
}
