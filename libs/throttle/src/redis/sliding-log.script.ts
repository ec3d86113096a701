import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { GCRA_LUA, NOW_LUA, SLIDING_LUA, WITHDRAW_HORIZON_MS } from './lua-fragments';

export { WITHDRAW_HORIZON_MS };

/** What the script does with an admission: `check` only, `record` it, or record it `provisionally` (withdrawable). */
export type RecordMode = 'check' | 'record' | 'provisional';

/** ARGV[4] of each {@link RecordMode}. */
export const RECORD_MODE_ARG: Record<RecordMode, string> = { check: '0', record: '1', provisional: '2' };

/**
 * The Lua script of the Redis store: one call decides a whole request (all its rules, sliding-log and
 * GCRA alike) atomically. A sliding-log key is a sorted set: members are admitted units, scores their
 * times in microseconds; a GCRA key is a string holding its theoretical arrival time in microseconds
 * (see `lua-fragments.ts`). Numbers are written with `string.format('%.0f')`, never `tostring()` (which
 * prints 1.7e+15 and would merge distinct times).
 *
 * Two ARGVs serve tests, and stay on purpose: ARGV[1] (a given "now" instead of Redis `TIME`) and
 * ARGV[3] (extra TTL) let the conformance suite and the property tests drive *this* script, the one
 * production runs, with a fake clock at exact window boundaries, instead of a test-only copy. The store
 * sends them only when its clock offers `ThrottleClock.storeTime()` (test clocks); production sends
 * `''` and `0`, and the script reads Redis `TIME`. ARGV[4] (check only, provisional) serves the Cluster path.
 *
 * @example
 * client.defineCommand(SLIDING_LOG_COMMAND, { lua: SLIDING_LOG_SCRIPT });
 * // 1 key, now from Redis TIME, suffix 'a1:7', no TTL slack, record on admit; limit 60, window 60 s, sliding log, cost 1
 * await client.throttleSlidingLog(1, 'hi:{abc}', '', 'a1:7', 0, 1, 60, 60000, 'sliding-log', 1, 60);
 * // -> [1, now, count, oldestAge, freeingAge, certainAge]
 */
export const SLIDING_LOG_SCRIPT = `-- Rate limiter (exact): admit iff every rule admits the request's cost (sliding log: its units in the
-- trailing window plus cost stay within its limit; GCRA: max(tat, now) + cost * T - now <= burst * T);
-- then record the admission under every rule, or under none.
--
-- KEYS[i]        key of rule i: a sliding log's sorted set (members "<time us>:<suffix>[:<unit>]",
--                scores = admission time in us), or a GCRA string (tat in us; see lua-fragments.ts)
-- ARGV[1]        now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]        member suffix, unique per request (instance id and sequence)
-- ARGV[3]        extra milliseconds added to each key's TTL (0 in production; test clocks need slack)
-- ARGV[4]        "1": record when admitted; "0": check only, never record; "2": record provisionally
--                (withdrawable within the horizon: a cross-slot request's admission, logged before its
--                later slot groups decide): sliding-log members "p<time us>:<suffix>[:<unit>]"; a GCRA
--                key adds cost * T to its pending debt
-- ARGV[5i]       limit of rule i (i = 1..#KEYS)
-- ARGV[5i+1]     window of rule i, in milliseconds
-- ARGV[5i+2]     algorithm of rule i: "sliding-log" or "gcra"
-- ARGV[5i+3]     cost of rule i (units this request consumes)
-- ARGV[5i+4]     GCRA: burst of rule i; sliding log: how long its key keeps admissions, in ms (its
--                retention, >= the window): trimmed and expired by it, counted by the window
--
-- Returns { allowed (1|0), now (us), then 4 numbers per rule }. A sliding log's:
--   count       units in the window before this request (the key may retain older ones)
--   oldestAge   now - the oldest unit in the window (us); -1 if none
--   freeingAge  now - the unit whose expiry makes room for cost (index count + cost - limit - 1); -1 if room
--   certainAge  freeingAge counting only units that cannot be withdrawn any more (all but provisional
--               ones younger than the horizon); -1 if they leave room; = freeingAge when there are none
-- A GCRA rule's: debt (max(tat, now) - now before this request, us), sureDebt (debt without what pending
-- withdrawals may take out; = debt when none may), -1, -1.
${NOW_LUA}
${GCRA_LUA}
${SLIDING_LUA}
local n = #KEYS
local slack = tonumber(ARGV[3])
local horizonText = string.format('%.0f', now - ${WITHDRAW_HORIZON_MS * 1000})
local checks, skips = {}, {}
local allowed = 1
for i = 1, n do
  local limit, windowMs, cost = tonumber(ARGV[5 * i]), tonumber(ARGV[5 * i + 1]), tonumber(ARGV[5 * i + 3])
  if ARGV[5 * i + 2] == 'gcra' then
    local tat, pendingUntil, pending = gcraRead(KEYS[i])
    local admits, nextTat, debt, sure, units = gcraCheck(tat, pendingUntil, pending, limit, windowMs, cost, tonumber(ARGV[5 * i + 4]))
    if not admits then allowed = 0 end
    checks[i] = { nextTat, debt, sure, units, pendingUntil, pending }
  else
    local count, skip = windowCount(KEYS[i], windowMs, tonumber(ARGV[5 * i + 4]))
    checks[i], skips[i] = count, skip
    if count + cost > limit then allowed = 0 end
  end
end
local nowText = string.format('%.0f', now)
local member = nowText .. ':' .. ARGV[2]
if ARGV[4] == '2' then member = 'p' .. member end
local record = allowed == 1 and ARGV[4] ~= '0'
local out = { allowed, now }
for i = 1, n do
  local check = checks[i]
  if type(check) == 'table' then
    if record then
      local pendingUntil, pending = check[5], check[6]
      if ARGV[4] == '2' then
        if pendingUntil <= now then pending = 0 end
        pendingUntil, pending = now + ${WITHDRAW_HORIZON_MS * 1000}, pending + check[4]
      end
      gcraWrite(KEYS[i], check[1], pendingUntil, pending, slack)
    end
    out[#out + 1] = check[2]
    out[#out + 1] = check[3]
    out[#out + 1] = -1
    out[#out + 1] = -1
  else
    local limit, cost = tonumber(ARGV[5 * i]), tonumber(ARGV[5 * i + 3])
    local skip = skips[i]
    local oldest = -1
    if check > 0 then oldest = now - tonumber(redis.call('ZRANGE', KEYS[i], skip, skip, 'WITHSCORES')[2]) end
    local freeing, certain = freeingAges(KEYS[i], check, check + cost - limit, horizonText, skip)
    if record then
      logUnits(KEYS[i], nowText, member, cost)
      redis.call('PEXPIRE', KEYS[i], math.max(tonumber(ARGV[5 * i + 4]), tonumber(ARGV[5 * i + 1])) + slack)
    end
    out[#out + 1] = check
    out[#out + 1] = oldest
    out[#out + 1] = freeing
    out[#out + 1] = certain
  end
end
return out
`;

/** SHA1 of {@link SLIDING_LOG_SCRIPT}: what EVALSHA sends (pinned by a unit test). */
export const SLIDING_LOG_SHA = createHash('sha1').update(SLIDING_LOG_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const SLIDING_LOG_COMMAND = 'throttleSlidingLog';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The store's script (see {@link SLIDING_LOG_SCRIPT}): numkeys, keys, then ARGV. */
    throttleSlidingLog(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}
