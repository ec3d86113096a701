import type { Cluster, Redis } from 'ioredis';

/** Subscribers of the store's forget channel over every master (an instance subscribes on its first cached refusal). */
export async function forgetSubscribers(client: Redis | Cluster): Promise<number> {
  const channel = `${client.options.keyPrefix ?? ''}throttle:forget`;
  const nodes = (client as Cluster).isCluster === true ? (client as Cluster).nodes('master') : [client as Redis];
  const counts = await Promise.all(nodes.map(async (node) => Number(((await node.pubsub('NUMSUB', channel)) as unknown[])[1])));
  return counts.reduce((x, y) => x + y, 0);
}
