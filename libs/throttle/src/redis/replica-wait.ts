import type { Cluster, Redis } from 'ioredis';
import type { ReplicaWait } from './config/wait-replicas';

/**
 * Runs the decision script with `WAIT replicas timeoutMs` pipelined right behind it, on the same
 * connection (on a Cluster, to the node that ran the script): the answer comes once `replicas`
 * replicas have acknowledged the admission, or after `timeoutMs`, whichever is first. WAIT narrows
 * what a failover can forget (admissions not yet on the promoted replica); it does not make Redis
 * consistent: a timed-out WAIT still admits (the master has decided), and an admission re-sent as
 * EVAL after a `SCRIPT FLUSH` is covered by the next request's WAIT, not by its own.
 *
 * @example
 * const reply = await runThenWait(client, { replicas: 1, timeoutMs: 50 }, 1, ['hi:{abc}', '', 'a1:7', 0, 1, 60, 60000]);
 */
export async function runThenWait(
  client: Redis | Cluster,
  wait: ReplicaWait,
  numKeys: number,
  args: (string | number)[],
): Promise<number[]> {
  const results = await client
    .pipeline()
    .throttleDecide(numKeys, ...args)
    .wait(wait.replicas, wait.timeoutMs)
    .exec();
  if (results === null) throw new Error('the script pipeline was discarded'); // only for MULTI, which this is not
  const [[scriptError, reply], [waitError]] = results;
  if (scriptError) throw scriptError;
  // A refused WAIT (an ACL without +wait, a replica serving as master) is a store error the operator must see.
  if (waitError) throw waitError;
  return reply as number[];
}
