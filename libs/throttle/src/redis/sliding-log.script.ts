import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';

/**
 * The sliding-log Lua script of the Redis store: one call decides a whole request (all its rules)
 * atomically. Each key is a sorted set: members are admissions, scores their times in microseconds.
 * Numbers are written with `string.format('%.0f')`, never `tostring()` (which prints 1.7e+15 and
 * would merge distinct times).
 *
 * Two ARGVs serve tests, and stay on purpose: ARGV[1] (a given "now" instead of Redis `TIME`) and
 * ARGV[3] (extra TTL) let the conformance suite and the property tests drive *this* script, the one
 * production runs, with a fake clock at exact window boundaries, instead of a test-only copy. The store
 * sends them only when its clock offers `ThrottleClock.storeTime()` (test clocks); production sends
 * `''` and `0`, and the script reads Redis `TIME`. ARGV[4] (check only) serves the Cluster path.
 *
 * @example
 * client.defineCommand(SLIDING_LOG_COMMAND, { lua: SLIDING_LOG_SCRIPT });
 * // 1 key, now from Redis TIME, suffix 'a1:7', no TTL slack, record on admit, limit 60, window 60 s
 * await client.throttleSlidingLog(1, 'hi:{abc}', '', 'a1:7', 0, 1, 60, 60000);
 */
export const SLIDING_LOG_SCRIPT = `-- Sliding-log rate limiter (exact): admit iff every rule has fewer than its limit of
-- admissions in its trailing window; then log the admission under every rule, or under none.
--
-- KEYS[i]        sorted set of rule i: members "<time us>:<suffix>", scores = admission time in us
-- ARGV[1]        now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]        member suffix, unique per request (instance id and sequence)
-- ARGV[3]        extra milliseconds added to each key's TTL (0 in production; test clocks need slack)
-- ARGV[4]        "1": record when admitted; "0": check only, never record
-- ARGV[3+2i]     limit of rule i (i = 1..#KEYS)
-- ARGV[4+2i]     window of rule i, in milliseconds
--
-- Returns { allowed (1|0), now (us), then per rule: count, oldestAge, freeingAge } where
--   count       admissions in the window before this request
--   oldestAge   now - the oldest admission in the window (us); -1 if none
--   freeingAge  now - the admission whose expiry frees a slot (index count-limit) (us); -1 if count < limit
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local n = #KEYS
local counts = {}
local allowed = 1
for i = 1, n do
  local windowUs = tonumber(ARGV[4 + 2 * i]) * 1000
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', string.format('%.0f', now - windowUs))
  counts[i] = redis.call('ZCARD', KEYS[i])
  if counts[i] >= tonumber(ARGV[3 + 2 * i]) then allowed = 0 end
end
local nowText = string.format('%.0f', now)
local member = nowText .. ':' .. ARGV[2]
local out = { allowed, now }
for i = 1, n do
  local limit = tonumber(ARGV[3 + 2 * i])
  local count = counts[i]
  local oldest, freeing = -1, -1
  if count > 0 then
    oldest = now - tonumber(redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')[2])
  end
  if count >= limit then
    local at = count - limit
    freeing = now - tonumber(redis.call('ZRANGE', KEYS[i], at, at, 'WITHSCORES')[2])
  end
  if allowed == 1 and ARGV[4] == '1' then
    redis.call('ZADD', KEYS[i], nowText, member)
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[4 + 2 * i]) + tonumber(ARGV[3]))
  end
  out[#out + 1] = count
  out[#out + 1] = oldest
  out[#out + 1] = freeing
end
return out
`;

/** SHA1 of {@link SLIDING_LOG_SCRIPT}: what EVALSHA sends (pinned by a unit test). */
export const SLIDING_LOG_SHA = createHash('sha1').update(SLIDING_LOG_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const SLIDING_LOG_COMMAND = 'throttleSlidingLog';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The sliding-log script (see {@link SLIDING_LOG_SCRIPT}): numkeys, keys, then ARGV. */
    throttleSlidingLog(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}
