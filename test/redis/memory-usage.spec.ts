import { Redis } from 'ioredis';
import { RedisThrottleStorage } from 'nest-scoped-throttle';
import { describeRedis, filePrefix, useRedis } from '../support/redis/harness';

// What one full key costs in Redis (MEMORY USAGE ... SAMPLES 0), printed for the README / capacity planning.
const keyPrefix = filePrefix('memory');

describeRedis('Redis memory per key', () => {
  let client: Redis;
  useRedis(keyPrefix, (started) => (client = started));

  it('measures MEMORY USAGE of one full key at limits 10, 60 and 1000', async () => {
    const storage = new RedisThrottleStorage(client);
    const report: string[] = [];
    const perEntry: number[] = [];
    for (const limit of [10, 60, 1_000]) {
      const rule = { key: `mem${limit}:{${'x'.repeat(27)}}`, limit, windowMs: 3_600_000 }; // 27 chars: a base64url sha1
      for (let i = 0; i < limit; i++) await storage.consume({ rules: [rule] });
      expect((await storage.consume({ rules: [rule] })).allowed).toBe(false); // full
      const bytes = Number(await client.call('MEMORY', 'USAGE', keyPrefix + rule.key, 'SAMPLES', '0'));
      const encoding = await client.call('OBJECT', 'ENCODING', keyPrefix + rule.key);
      perEntry.push(bytes / limit);
      report.push(`limit ${limit}: ${bytes} bytes (${encoding}, ${(bytes / limit).toFixed(1)} B/admission)`);
    }
    console.log(`MEMORY USAGE of one full key (key "${keyPrefix}memN:{<27-char hash>}"):\n  ${report.join('\n  ')}`);
    for (const bytes of perEntry) expect(bytes).toBeLessThan(200);
  });

  it('measures MEMORY USAGE of one GCRA key: one integer, whatever the limit', async () => {
    const storage = new RedisThrottleStorage(client);
    const report: string[] = [];
    for (const limit of [10, 1_000, 10_000]) {
      const rule = { key: `gcra${limit}:{${'x'.repeat(27)}}`, limit, windowMs: 3_600_000, algorithm: 'gcra' as const };
      for (let i = 0; i < 3; i++) await storage.consume({ rules: [rule] });
      const bytes = Number(await client.call('MEMORY', 'USAGE', keyPrefix + rule.key, 'SAMPLES', '0'));
      expect(await client.call('OBJECT', 'ENCODING', keyPrefix + rule.key)).toBe('int');
      report.push(`limit ${limit}: ${bytes} bytes`);
      expect(bytes).toBeLessThan(150); // the key name, a dict entry, the value object: no per-admission cost
    }
    console.log(`MEMORY USAGE of one GCRA key (key "${keyPrefix}gcraN:{<27-char hash>}"):\n  ${report.join('\n  ')}`);
  });
});
