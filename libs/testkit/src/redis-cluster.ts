/**
 * Private Redis Clusters on free ports (never 6379): `redis-server --cluster-enabled yes` processes
 * joined by `redis-cli --cluster create ... --cluster-yes`, stopped by pid. Single nodes are in
 * redis-server.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { command, RedisServer } from './redis-server';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/** A private Redis Cluster: `masters` masters with `replicasPerMaster` replicas each. */
export interface RedisCluster {
  readonly servers: RedisServer[];
  /** `127.0.0.1:<port>` of every node, masters first. */
  readonly nodes: string[];
  /** The server currently serving `key`'s slot as master. */
  masterOf(key: string): Promise<RedisServer>;
  /** Stops every node and removes the cluster's temporary directory. */
  stop(): Promise<void>;
}

/**
 * Starts a cluster (`redis-cli --cluster create`) and waits until `cluster_state:ok` on every node.
 * Node timeout is 1 s so failovers happen quickly. `config` adds settings to every node, e.g.
 * `['cluster-require-full-coverage', 'no']` (healthy masters keep serving while one fails over).
 *
 * @example
 * const cluster = await startCluster(3, 0);
 * const client = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })));
 */
export async function startCluster(masters = 3, replicasPerMaster = 0, config: string[] = []): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'throttle-cluster-'));
  const count = masters * (1 + replicasPerMaster);
  const servers: RedisServer[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const args = ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)];
    args.push('--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0');
    for (let i = 0; i + 1 < config.length; i += 2) args.push(`--${config[i]}`, config[i + 1]);
    servers.push(new RedisServer(port, dir, { args }));
  }
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(servers.map((s) => s.start()));
    const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes']);
    await waitFor('cluster_state:ok on every node', async () => {
      const infos = await Promise.all(servers.map((s) => command(s.port, 'CLUSTER', 'INFO')));
      return infos.every((info) => String(info).includes('cluster_state:ok'));
    });
    if (replicasPerMaster > 0) await waitForReplicas(servers);
    return { servers, nodes, masterOf: (key) => masterOf(servers, key), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Asks a live node which master serves `key`'s slot now. */
async function masterOf(servers: RedisServer[], key: string): Promise<RedisServer> {
  const live = servers.find((s) => s.pid !== undefined);
  if (!live) throw new Error('no live cluster node');
  const slot = Number(await command(live.port, 'CLUSTER', 'KEYSLOT', key));
  const ranges = (await command(live.port, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  const server = servers.find((s) => s.port === range?.[2][1]);
  if (!server) throw new Error(`no master found for slot ${slot}`);
  return server;
}

async function waitForReplicas(servers: RedisServer[]): Promise<void> {
  await waitFor('every replica in sync with its master', async () => {
    const infos = await Promise.all(servers.map((s) => command(s.port, 'INFO', 'replication')));
    return infos.every((info) => !String(info).includes('role:slave') || String(info).includes('master_link_status:up'));
  });
}
