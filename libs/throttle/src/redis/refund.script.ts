import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { GCRA_LUA, NOW_LUA } from './lua-fragments';

/**
 * The refund script of the Redis store (`ThrottleService.refund`): takes back the newest admissions of
 * each key, never below zero. A sliding log loses its `cost` newest members inside the rule's window
 * (fewer if it holds fewer), never a block's members (`b:<u>`: a refund never lifts a block, `reset`
 * does); a GCRA key's `tat` moves back by `cost * T`, never below now (deleted when it reaches now: an
 * idle key). The keys of one identity share its hash tag, so one call is atomic on
 * a Cluster too.
 *
 * @example
 * client.defineCommand(REFUND_COMMAND, { lua: REFUND_SCRIPT });
 * // one sliding log (cost 1, window 60 s) and one GCRA key (cost 1, T = 100 ms); now from Redis TIME
 * await client.throttleRefund(2, 'hi:{u1}', 'api:{u1}:gcra', '', 0, 'sliding-log', 1, 60000, 'gcra', 100000, 100000); // [1, 1]
 */
export const REFUND_SCRIPT = `-- Refund: takes back the newest admissions of every key, never below zero.
--
-- KEYS[i]     key of rule i (all of one slot: one identity's keys share its hash tag)
-- ARGV[1]     now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]     extra milliseconds added to a rewritten GCRA key's TTL (0 in production)
-- ARGV[3i]    algorithm of rule i: "sliding-log" or "gcra"
-- ARGV[3i+1]  units of rule i: a sliding log's cost (members); a GCRA rule's cost * T (us)
-- ARGV[3i+2]  sliding log: window of rule i in ms (only members inside it go); GCRA: T in us
--
-- Returns per key the units taken back (a GCRA key's rounded up to whole intervals).
${NOW_LUA}
${GCRA_LUA}
local out = {}
for i = 1, #KEYS do
  local units, taken = tonumber(ARGV[3 * i + 1]), 0
  if ARGV[3 * i] == 'gcra' then
    local tat, pendingUntil, pending = gcraRead(KEYS[i])
    if tat and tat > now then
      local back = math.min(units, tat - now)
      taken = math.ceil(back / tonumber(ARGV[3 * i + 2]))
      if tat - back > now then
        gcraWrite(KEYS[i], tat - back, pendingUntil, math.max(0, pending - back), tonumber(ARGV[2]))
      else
        redis.call('DEL', KEYS[i])
      end
    end
  else
    -- The newest admissions inside the window, past a block's members ("b:<u>"): a refund never lifts a block.
    local cutoff = string.format('%.0f', now - tonumber(ARGV[3 * i + 2]) * 1000)
    local newest, offset, chunk = {}, 0, math.max(units, 100)
    repeat
      local batch = redis.call('ZREVRANGEBYSCORE', KEYS[i], '+inf', '(' .. cutoff, 'LIMIT', offset, chunk)
      for _, member in ipairs(batch) do
        if #newest < units and string.sub(member, 1, 2) ~= 'b:' then newest[#newest + 1] = member end
      end
      offset = offset + chunk
    until #newest >= units or #batch < chunk
    if #newest > 0 then taken = redis.call('ZREM', KEYS[i], unpack(newest)) end
  end
  out[i] = taken
end
return out
`;

/** SHA1 of {@link REFUND_SCRIPT} (pinned by a unit test). */
export const REFUND_SHA = createHash('sha1').update(REFUND_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const REFUND_COMMAND = 'throttleRefund';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The refund script (see {@link REFUND_SCRIPT}): numkeys, keys, now, TTL slack, 3 per key. */
    throttleRefund(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}
