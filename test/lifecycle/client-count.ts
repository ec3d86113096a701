import { Redis } from 'ioredis';

/**
 * Connections a Redis (or sentinel) server has open from clients: `CLIENT LIST` on a throwaway
 * connection, not counting that one, nor the sentinels' own links (named `sentinel-<id>-cmd|pubsub`),
 * which come and go as sentinels talk to each other.
 *
 * @example
 * expect(await clientCount(server.port)).toBe(0);
 */
export async function clientCount(port: number, password?: string): Promise<number> {
  const admin = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    const id = String(await admin.call('CLIENT', 'ID'));
    const list = String(await admin.call('CLIENT', 'LIST'))
      .trim()
      .split('\n');
    return list.filter((line) => !line.startsWith(`id=${id} `) && !/ name=sentinel-/.test(line)).length;
  } finally {
    admin.disconnect();
  }
}
