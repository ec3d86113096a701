import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { WITHDRAW_HORIZON_MS } from './sliding-log.script';

/**
 * The batched sliding-log script: one call decides, in arrival order, every request that reached the
 * store in one event-loop turn (on a Cluster: those of one hash tag). Each request is decided exactly
 * as {@link SLIDING_LOG_SCRIPT} decides it in `record` mode, all its rules atomically; the requests of
 * one call see one Redis `TIME` (read once per call), as sequential calls in the same microsecond would.
 *
 * Leaner than one call per request: besides the call itself (EVALSHA lookup, argument parsing, reply),
 * a key's trim and oldest admission are read once per call, its count is then kept in Lua, and its
 * `PEXPIRE` is written once, at the end. Each request gets its own member suffix (`<instance>:<seq>`).
 *
 * @example
 * client.defineCommand(SLIDING_LOG_BATCH_COMMAND, { lua: SLIDING_LOG_BATCH_SCRIPT });
 * // two requests, one rule each; now from Redis TIME; instance 'a1'; sequences '7' and '8'
 * await client.throttleSlidingLogBatch(2, 'hi:{abc}', 'hi:{def}', '', 'a1', 0, '7', 1, 60, 60000, '8', 1, 60, 60000);
 * // -> [now, allowed1, count, oldestAge, freeingAge, certainAge, allowed2, count, ...]
 */
export const SLIDING_LOG_BATCH_SCRIPT = `-- Batched sliding-log rate limiter (exact): the requests of one batch, decided one after the other,
-- each as the single-request script decides it in record mode (admit iff every rule of the request
-- has fewer than its limit in its trailing window; then log the admission under all its rules or none).
--
-- KEYS           the keys of every request, request after request, each request's in rule order
-- ARGV[1]        now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]        instance id: request r's member is "<time us>:<instance id>:<sequence of r>"
-- ARGV[3]        extra milliseconds added to each key's TTL (0 in production; test clocks need slack)
-- then per request r, from a = 4 (the next request starts after its last window):
-- ARGV[a]        sequence of r (unique per request within the instance)
-- ARGV[a+1]      n, the number of rules (and keys) of r
-- ARGV[a+2j]     limit of rule j of r (j = 1..n)
-- ARGV[a+1+2j]   window of rule j of r, in milliseconds
--
-- Returns { now (us), then per request: allowed (1|0), then per rule: count, oldestAge, freeingAge,
-- certainAge } with the meaning of the single-request script's reply.
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local nowText = string.format('%.0f', now)
local horizonText = string.format('%.0f', now - ${WITHDRAW_HORIZON_MS * 1000})
local slack = tonumber(ARGV[3])
local prefix = nowText .. ':' .. ARGV[2] .. ':'
local trimmedAt, counts, oldestOf, ttlOf, touched = {}, {}, {}, {}, {}
local out = { now }
local a, k = 4, 0
while a <= #ARGV do
  local n = tonumber(ARGV[a + 1])
  local allowed = 1
  local reqCounts = {}
  for j = 1, n do
    local key = KEYS[k + j]
    local cutoff = now - tonumber(ARGV[a + 1 + 2 * j]) * 1000
    if trimmedAt[key] ~= cutoff then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', cutoff))
      trimmedAt[key] = cutoff
      counts[key] = redis.call('ZCARD', key)
      oldestOf[key] = nil
    end
    reqCounts[j] = counts[key]
    if reqCounts[j] >= tonumber(ARGV[a + 2 * j]) then allowed = 0 end
  end
  out[#out + 1] = allowed
  local member = prefix .. ARGV[a]
  for j = 1, n do
    local key = KEYS[k + j]
    local limit = tonumber(ARGV[a + 2 * j])
    local count = reqCounts[j]
    local oldest, freeing = -1, -1
    if count > 0 then
      if oldestOf[key] == nil then oldestOf[key] = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]) end
      oldest = now - oldestOf[key]
    end
    if count >= limit then
      local at = count - limit
      freeing = now - tonumber(redis.call('ZRANGE', key, at, at, 'WITHSCORES')[2])
    end
    local certain = freeing
    if count >= limit then
      -- As in the single-request script: provisional admissions younger than the horizon may be withdrawn.
      local recent = redis.call('ZRANGEBYSCORE', key, '(' .. horizonText, '+inf', 'WITHSCORES')
      local sure, pending = {}, 0
      for i = 1, #recent, 2 do
        if string.sub(recent[i], 1, 1) == 'p' then pending = pending + 1 else sure[#sure + 1] = recent[i + 1] end
      end
      if pending > 0 then
        local at = count - pending - limit
        local older = count - #recent / 2
        if at < 0 then
          certain = -1
        elseif at < older then
          certain = now - tonumber(redis.call('ZRANGE', key, at, at, 'WITHSCORES')[2])
        else
          certain = now - tonumber(sure[at - older + 1])
        end
      end
    end
    if allowed == 1 then
      counts[key] = counts[key] + redis.call('ZADD', key, nowText, member)
      if oldestOf[key] == nil and count == 0 then oldestOf[key] = now end
      if ttlOf[key] == nil then touched[#touched + 1] = key end
      ttlOf[key] = tonumber(ARGV[a + 1 + 2 * j]) + slack
    end
    out[#out + 1] = count
    out[#out + 1] = oldest
    out[#out + 1] = freeing
    out[#out + 1] = certain
  end
  a = a + 2 + 2 * n
  k = k + n
end
for i = 1, #touched do
  redis.call('PEXPIRE', touched[i], ttlOf[touched[i]])
end
return out
`;

/** SHA1 of {@link SLIDING_LOG_BATCH_SCRIPT}: what EVALSHA sends (pinned by a unit test). */
export const SLIDING_LOG_BATCH_SHA = createHash('sha1').update(SLIDING_LOG_BATCH_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const SLIDING_LOG_BATCH_COMMAND = 'throttleSlidingLogBatch';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The batched sliding-log script (see {@link SLIDING_LOG_BATCH_SCRIPT}): numkeys, keys, then ARGV. */
    throttleSlidingLogBatch(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}
