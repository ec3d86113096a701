import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { GCRA_LUA, NOW_LUA, SLIDING_LUA, WITHDRAW_HORIZON_MS } from './lua-fragments';

/**
 * The batched script: one call decides, in arrival order, every request that reached the store in one
 * event-loop turn (on a Cluster: those of one hash tag). Each request is decided exactly as
 * {@link SLIDING_LOG_SCRIPT} decides it in `record` mode, all its rules (sliding-log and GCRA, with their
 * costs) atomically; the requests of one call see one Redis `TIME` (read once per call), as sequential
 * calls in the same microsecond would.
 *
 * Leaner than one call per request: besides the call itself (EVALSHA lookup, argument parsing, reply),
 * a sliding log's trim and oldest admission are read once per call, its count is then kept in Lua, and
 * its `PEXPIRE` is written once, at the end; a GCRA key is read once and written once (its final tat and
 * TTL). Each request gets its own member suffix (`<instance>:<seq>`).
 *
 * @example
 * client.defineCommand(SLIDING_LOG_BATCH_COMMAND, { lua: SLIDING_LOG_BATCH_SCRIPT });
 * // two requests, one rule each (a sliding log of cost 1, a GCRA of cost 2 and burst 10); now from Redis TIME; instance 'a1'
 * await client.throttleSlidingLogBatch(2, 'hi:{abc}', 'g:{def}', '', 'a1', 0,
 *   '7', 1, 60, 60000, 'sliding-log', 1, 60, '8', 1, 60, 60000, 'gcra', 2, 10);
 * // -> [now, allowed1, count, oldestAge, freeingAge, certainAge, allowed2, debt, sureDebt, -1, -1]
 */
export const SLIDING_LOG_BATCH_SCRIPT = `-- Batched rate limiter (exact): the requests of one batch, decided one after the other, each as the
-- single-request script decides it in record mode (admit iff every rule of the request admits its cost,
-- sliding log or GCRA; then record the admission under all its rules or none).
--
-- KEYS           the keys of every request, request after request, each request's in rule order
-- ARGV[1]        now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]        instance id: request r's member is "<time us>:<instance id>:<sequence of r>"
-- ARGV[3]        extra milliseconds added to each key's TTL (0 in production; test clocks need slack)
-- then per request r, from a = 4 (the next request starts at a + 2 + 5n):
-- ARGV[a]        sequence of r (unique per request within the instance)
-- ARGV[a+1]      n, the number of rules (and keys) of r
-- ARGV[a+5j-3]   limit of rule j of r (j = 1..n)
-- ARGV[a+5j-2]   window of rule j of r, in milliseconds
-- ARGV[a+5j-1]   algorithm of rule j: "sliding-log" or "gcra"
-- ARGV[a+5j]     cost of rule j (units the request consumes)
-- ARGV[a+5j+1]   GCRA: burst of rule j; sliding log: its key's retention in ms (>= its window)
--
-- Returns { now (us), then per request: allowed (1|0), then 4 numbers per rule } with the meaning of
-- the single-request script's reply.
${NOW_LUA}
${GCRA_LUA}
${SLIDING_LUA}
local nowText = string.format('%.0f', now)
local horizonText = string.format('%.0f', now - ${WITHDRAW_HORIZON_MS * 1000})
local slack = tonumber(ARGV[3])
local prefix = nowText .. ':' .. ARGV[2] .. ':'
local trimmedAt, counts, oldestOf, ttlOf, touched = {}, {}, {}, {}, {}
local cells, written = {}, {}
local out = { now }
local a, k = 4, 0
while a <= #ARGV do
  local n = tonumber(ARGV[a + 1])
  local allowed = 1
  local checks, skips = {}, {}
  for j = 1, n do
    local key = KEYS[k + j]
    local b = a + 5 * j - 3
    local limit, cost = tonumber(ARGV[b]), tonumber(ARGV[b + 3])
    if ARGV[b + 2] == 'gcra' then
      local cell = cells[key]
      if cell == nil then
        local tat, pendingUntil, pending = gcraRead(key)
        cell = { tat, pendingUntil, pending }
        cells[key] = cell
      end
      local admits, nextTat, debt, sure = gcraCheck(cell[1], cell[2], cell[3], limit, tonumber(ARGV[b + 1]), cost, tonumber(ARGV[b + 4]))
      if not admits then allowed = 0 end
      checks[j] = { nextTat, debt, sure }
    else
      local windowMs = tonumber(ARGV[b + 1])
      local retainMs = math.max(windowMs, tonumber(ARGV[b + 4]))
      local cutoff = now - retainMs * 1000
      if trimmedAt[key] ~= cutoff then
        redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', cutoff))
        trimmedAt[key] = cutoff
        counts[key] = redis.call('ZCARD', key)
        oldestOf[key] = nil
      end
      -- A rule counting a shorter window than its key retains reads its count (the cache holds the key's).
      local count, skip = counts[key], 0
      if retainMs > windowMs and count > 0 then
        count = redis.call('ZCOUNT', key, '(' .. string.format('%.0f', now - windowMs * 1000), '+inf')
        skip = counts[key] - count
      end
      checks[j], skips[j] = count, skip
      if count + cost > limit then allowed = 0 end
    end
  end
  out[#out + 1] = allowed
  local member = prefix .. ARGV[a]
  for j = 1, n do
    local key = KEYS[k + j]
    local b = a + 5 * j - 3
    local check = checks[j]
    if type(check) == 'table' then
      if allowed == 1 then
        cells[key][1] = check[1]
        if written[key] == nil then
          written[key] = true
          touched[#touched + 1] = key
        end
      end
      out[#out + 1] = check[2]
      out[#out + 1] = check[3]
      out[#out + 1] = -1
      out[#out + 1] = -1
    else
      local limit, cost = tonumber(ARGV[b]), tonumber(ARGV[b + 3])
      local skip = skips[j]
      local oldest = -1
      if check > 0 and skip > 0 then
        oldest = now - tonumber(redis.call('ZRANGE', key, skip, skip, 'WITHSCORES')[2])
      elseif check > 0 then
        if oldestOf[key] == nil then oldestOf[key] = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]) end
        oldest = now - oldestOf[key]
      end
      local freeing, certain = freeingAges(key, check, check + cost - limit, horizonText, skip)
      if allowed == 1 then
        if oldestOf[key] == nil and counts[key] == 0 then oldestOf[key] = now end
        counts[key] = counts[key] + logUnits(key, nowText, member, cost)
        if ttlOf[key] == nil then touched[#touched + 1] = key end
        ttlOf[key] = math.max(tonumber(ARGV[b + 1]), tonumber(ARGV[b + 4])) + slack
      end
      out[#out + 1] = check
      out[#out + 1] = oldest
      out[#out + 1] = freeing
      out[#out + 1] = certain
    end
  end
  a = a + 2 + 5 * n
  k = k + n
end
-- Each key's TTL (and each GCRA key's final tat) is written once, as the last sequential call would.
for i = 1, #touched do
  local key = touched[i]
  local cell = cells[key]
  if cell then
    gcraWrite(key, cell[1], cell[2], cell[3], slack)
  else
    redis.call('PEXPIRE', key, ttlOf[key])
  end
end
return out
`;

/** SHA1 of {@link SLIDING_LOG_BATCH_SCRIPT}: what EVALSHA sends (pinned by a unit test). */
export const SLIDING_LOG_BATCH_SHA = createHash('sha1').update(SLIDING_LOG_BATCH_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const SLIDING_LOG_BATCH_COMMAND = 'throttleSlidingLogBatch';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The batched script (see {@link SLIDING_LOG_BATCH_SCRIPT}): numkeys, keys, then ARGV. */
    throttleSlidingLogBatch(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}
