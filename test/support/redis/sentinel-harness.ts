import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisProcess } from './server-process';
import { command, freePort, RedisServer, waitFor } from '../../../libs/testkit/src';

/** Private Redis Sentinel deployments for integration tests (see harness.ts for single nodes). */

/** A master, one replica and three sentinels monitoring them. */
export interface RedisSentinels {
  /** The monitored master's name (`mymaster`). */
  readonly name: string;
  readonly master: RedisServer;
  readonly replica: RedisServer;
  /** The sentinels as `127.0.0.1:port`. */
  readonly sentinels: string[];
  readonly sentinelPassword: string;
  /** The port the sentinels currently name as master (asks one that answers). */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

/** Options of {@link startSentinels}. */
export interface SentinelSetup {
  /** Extra `redis-server` arguments of the master and the replica (e.g. `--user ...` for an ACL user). */
  nodeArgs?: string[];
  /** Sentinel `down-after-milliseconds`. Default 1000. */
  downAfterMs?: number;
}

const NAME = 'mymaster';
const SENTINEL_PASSWORD = 'sentinel-secret';

/**
 * Starts a master, a replica of it and three sentinels (quorum 2, `requirepass` on the sentinels) on
 * free ports, and waits until every sentinel sees the replica and the two other sentinels, so a
 * failover can start as soon as the master is down. Timeouts are short: the master is declared
 * down after `downAfterMs`, and a failover is retried after 2 s.
 *
 * @example
 * const set = await startSentinels();
 * await set.master.kill();
 * await waitFor('failover', async () => (await set.masterPort()) === set.replica.port);
 */
export async function startSentinels(setup: SentinelSetup = {}): Promise<RedisSentinels> {
  const dir = mkdtempSync(join(tmpdir(), 'throttle-sentinel-'));
  const master = new RedisServer(await freePort(), dir, { args: setup.nodeArgs ?? [] });
  const replica = new RedisServer(await freePort(), dir, {
    args: [...(setup.nodeArgs ?? []), '--replicaof', '127.0.0.1', String(master.port)],
  });
  const sentinels: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all([...sentinels.map((s) => s.stop()), master.stop(), replica.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await master.start();
    await replica.start();
    await waitFor('the replica in sync', async () =>
      String(await command(replica.port, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(conf, sentinelConf(port, dir, master.port, setup.downAfterMs ?? 1_000));
      sentinels.push(new RedisProcess(port, [conf, '--sentinel'], 'redis sentinel'));
    }
    await Promise.all(sentinels.map((s) => s.start(async () => (await sentinelCall(s.port, 'PING')) === 'PONG')));
    await waitFor(
      'every sentinel to see the replica and the other sentinels',
      async () => {
        const views = await Promise.all(sentinels.map((s) => sentinelCall(s.port, 'SENTINEL', 'MASTER', NAME)));
        return views.every((view) => {
          const fields = pairs(view as string[]);
          return fields['num-slaves'] === '1' && fields['num-other-sentinels'] === '2';
        });
      },
      20_000,
    );
    const masterPort = async () => {
      for (const s of sentinels) {
        const reply = await sentinelCall(s.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME).catch(() => undefined);
        if (Array.isArray(reply)) return Number(reply[1]);
      }
      throw new Error('no sentinel answers');
    };
    const addresses = sentinels.map((s) => `127.0.0.1:${s.port}`);
    return { name: NAME, master, replica, sentinels: addresses, sentinelPassword: SENTINEL_PASSWORD, masterPort, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function sentinelConf(port: number, dir: string, masterPort: number, downAfterMs: number): string {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `logfile ${join(dir, `sentinel-${port}.log`)}`,
    `requirepass ${SENTINEL_PASSWORD}`,
    `sentinel sentinel-pass ${SENTINEL_PASSWORD}`,
    `sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 2`,
    `sentinel down-after-milliseconds ${NAME} ${downAfterMs}`,
    `sentinel failover-timeout ${NAME} 2000`,
    `sentinel parallel-syncs ${NAME} 1`,
    '',
  ].join('\n');
}

/** One command to a sentinel (authenticated) on a throwaway connection. */
async function sentinelCall(port: number, ...args: string[]): Promise<unknown> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    password: SENTINEL_PASSWORD,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0], ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

function pairs(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]] = list[i + 1];
  return out;
}
