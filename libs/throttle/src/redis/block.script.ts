import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { NOW_LUA } from './lua-fragments';

/**
 * The block script of the Redis store (a scope's `blockFor`, `ThrottleService.block`): fills each
 * sliding log's window until the block ends, with `limit` members `b:1`..`b:<limit>` scored
 * `now + block - window`. The store's own script then refuses the key, and reports the block's end as
 * its retry time, with no change to it: the block is checked inside the same atomic decision, on every
 * instance. A block still active (`b:1` still in the window) is kept, not extended; `reset` (DEL) lifts it.
 *
 * @example
 * client.defineCommand(BLOCK_COMMAND, { lua: BLOCK_SCRIPT });
 * // block 'login:{u1}' (limit 5, window 15 min, kept 15 min) for 15 minutes; now from Redis TIME
 * await client.throttleBlock(1, 'login:{u1}', '', 0, 900000, 5, 900000, 900000); // [900000]
 */
export const BLOCK_SCRIPT = `-- Block: holds each sliding-log key full for ARGV[3] ms (an active block is kept, not extended).
--
-- KEYS[i]     key of rule i (all of one slot: one identity's keys share its hash tag)
-- ARGV[1]     now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]     extra milliseconds added to each key's TTL (0 in production; test clocks need slack)
-- ARGV[3]     how long the block lasts, in milliseconds
-- ARGV[3i+1]  limit of rule i: the units the block logs
-- ARGV[3i+2]  window of rule i, in milliseconds
-- ARGV[3i+3]  retention of rule i, in milliseconds (>= the window)
--
-- Returns per key the milliseconds left of its block (rounded up).
${NOW_LUA}
local blockUs = tonumber(ARGV[3]) * 1000
local out = {}
for i = 1, #KEYS do
  local limit, windowUs, retainMs = tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2]) * 1000, tonumber(ARGV[3 * i + 3])
  local active = redis.call('ZSCORE', KEYS[i], 'b:1')
  if active and tonumber(active) + windowUs > now then
    out[i] = math.ceil((tonumber(active) + windowUs - now) / 1000)
  else
    local at = string.format('%.0f', now + blockUs - windowUs)
    local args = {}
    for u = 1, limit do
      args[#args + 1] = at
      args[#args + 1] = 'b:' .. u
      if #args >= 2000 or u == limit then
        redis.call('ZADD', KEYS[i], unpack(args))
        args = {}
      end
    end
    -- The units leave the key's retention at their score + retention: the key lives at least that long.
    local ttl = math.ceil((blockUs - windowUs) / 1000) + retainMs + tonumber(ARGV[2])
    if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
    out[i] = tonumber(ARGV[3])
  end
end
return out
`;

/** SHA1 of {@link BLOCK_SCRIPT} (pinned by a unit test). */
export const BLOCK_SHA = createHash('sha1').update(BLOCK_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const BLOCK_COMMAND = 'throttleBlock';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The block script (see {@link BLOCK_SCRIPT}): numkeys, keys, now, TTL slack, block ms, 3 per key. */
    throttleBlock(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}
