import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';

/**
 * How long a provisional admission (a cross-slot request's, logged before its later slot groups decide)
 * may still be withdrawn. Older ones stay even if their request was refused (the withdrawal script
 * declines): refusals that count them are then certain, and the local deny cache may remember them.
 */
export const WITHDRAW_HORIZON_MS = 1_000;

/** What the script does with an admission: `check` only, `record` it, or record it `provisionally` (withdrawable). */
export type RecordMode = 'check' | 'record' | 'provisional';

/** ARGV[4] of each {@link RecordMode}. */
export const RECORD_MODE_ARG: Record<RecordMode, string> = { check: '0', record: '1', provisional: '2' };

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
 * // -> [1, now, count, oldestAge, freeingAge, certainAge]
 */
export const SLIDING_LOG_SCRIPT = `-- Sliding-log rate limiter (exact): admit iff every rule has fewer than its limit of
-- admissions in its trailing window; then log the admission under every rule, or under none.
--
-- KEYS[i]        sorted set of rule i: members "<time us>:<suffix>", scores = admission time in us
-- ARGV[1]        now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]        member suffix, unique per request (instance id and sequence)
-- ARGV[3]        extra milliseconds added to each key's TTL (0 in production; test clocks need slack)
-- ARGV[4]        "1": record when admitted; "0": check only, never record; "2": record provisionally:
--                member "p<time us>:<suffix>", which the withdrawal script may remove within the horizon
--                (a cross-slot request's admission, logged before its later slot groups decide)
-- ARGV[3+2i]     limit of rule i (i = 1..#KEYS)
-- ARGV[4+2i]     window of rule i, in milliseconds
--
-- Returns { allowed (1|0), now (us), then per rule: count, oldestAge, freeingAge, certainAge } where
--   count       admissions in the window before this request
--   oldestAge   now - the oldest admission in the window (us); -1 if none
--   freeingAge  now - the admission whose expiry frees a slot (index count-limit) (us); -1 if count < limit
--   certainAge  freeingAge counting only admissions that cannot be withdrawn any more (all but provisional
--               ones younger than the horizon): the key stays full until then whatever happens to those;
--               -1 if they are fewer than limit (or count < limit); = freeingAge when there are none
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
if ARGV[4] == '2' then member = 'p' .. member end
local horizonText = string.format('%.0f', now - ${WITHDRAW_HORIZON_MS * 1000})
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
  local certain = freeing
  if count >= limit then
    -- Provisional admissions younger than the horizon may yet be withdrawn: count only the others.
    -- The older admissions (all certain) come first; the recent ones are few (logged in the horizon).
    local recent = redis.call('ZRANGEBYSCORE', KEYS[i], '(' .. horizonText, '+inf', 'WITHSCORES')
    local sure, pending = {}, 0
    for j = 1, #recent, 2 do
      if string.sub(recent[j], 1, 1) == 'p' then pending = pending + 1 else sure[#sure + 1] = recent[j + 1] end
    end
    if pending > 0 then
      local at = count - pending - limit
      local older = count - #recent / 2
      if at < 0 then
        certain = -1
      elseif at < older then
        certain = now - tonumber(redis.call('ZRANGE', KEYS[i], at, at, 'WITHSCORES')[2])
      else
        certain = now - tonumber(sure[at - older + 1])
      end
    end
  end
  if allowed == 1 and ARGV[4] ~= '0' then
    redis.call('ZADD', KEYS[i], nowText, member)
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[4 + 2 * i]) + tonumber(ARGV[3]))
  end
  out[#out + 1] = count
  out[#out + 1] = oldest
  out[#out + 1] = freeing
  out[#out + 1] = certain
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
