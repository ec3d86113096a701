/**
 * How long a provisional admission (a cross-slot request's, logged before its later slot groups decide)
 * may still be withdrawn. Older ones stay even if their request was refused (the withdrawal script
 * declines): refusals that count them are then certain, and the local deny cache may remember them.
 */
export const WITHDRAW_HORIZON_MS = 1_000;

/**
 * The Lua shared by the Redis store's scripts (the single-request, batched and withdrawal scripts embed
 * them verbatim, so each script stays one self-contained EVALSHA). Each fragment defines locals only.
 */

/** `now` in microseconds: ARGV[1] when given (test clocks), else Redis `TIME`. */
export const NOW_LUA = `local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end`;

/**
 * GCRA keys (rule algorithm "gcra"; see ThrottleRule): a string holding `tat`, the theoretical arrival
 * time in integer microseconds, written with `%.0f`. Only on a Cluster, after a provisional (cross-slot)
 * admission, the string is `<tat>:<pendingUntil>:<pending>` until `pendingUntil` (the last provisional
 * admission's time + the withdrawal horizon): `pending` bounds the debt (µs) that withdrawals may still
 * take out of `tat`, so a refusal can say how long the key stays full whatever they do (the deny cache
 * relies on it). Past `pendingUntil` every admission is final and the next write drops the suffix.
 */
export const GCRA_LUA = `local function gcraRead(key)
  local value = redis.call('GET', key)
  if not value then return nil, 0, 0 end
  local tat, pendingUntil, pending = string.match(value, '^(%d+):(%d+):(%d+)$')
  if tat then return tonumber(tat), tonumber(pendingUntil), tonumber(pending) end
  return tonumber(value), 0, 0
end
-- Decides one GCRA rule at now: whether it admits cost, the tat an admission writes, the debt before the
-- request (max(tat, now) - now, us), that debt without what pending withdrawals may take out, and cost * T.
local function gcraCheck(tat, pendingUntil, pending, limit, windowMs, cost, burst)
  local interval = math.ceil(windowMs * 1000 / limit)
  local debt = 0
  if tat ~= nil and tat > now then debt = tat - now end
  local sure = debt
  if pendingUntil > now then sure = math.max(0, debt - pending) end
  local nextTat = now + debt + cost * interval
  return nextTat - now <= burst * interval, nextTat, debt, sure, cost * interval
end
-- Writes tat (the pending suffix while it is live) with TTL ceil((tat - now) / 1 ms) + slack.
local function gcraWrite(key, tat, pendingUntil, pending, slack)
  local value = string.format('%.0f', tat)
  if pendingUntil > now and pending > 0 then
    value = value .. ':' .. string.format('%.0f', pendingUntil) .. ':' .. string.format('%.0f', pending)
  end
  redis.call('SET', key, value, 'PX', math.ceil((tat - now) / 1000) + slack)
end`;

/**
 * Sliding-log keys: a sorted set, one member per admitted unit (score = its time in µs). A request of
 * cost c logs c members: `<member>`, then `<member>:2` .. `<member>:c`.
 */
export const SLIDING_LUA = `local function logUnits(key, nowText, member, cost)
  local added, args = 0, { nowText, member }
  for u = 2, cost do
    args[#args + 1] = nowText
    args[#args + 1] = member .. ':' .. u
    if #args >= 2000 then
      added = added + redis.call('ZADD', key, unpack(args))
      args = {}
    end
  end
  if #args > 0 then added = added + redis.call('ZADD', key, unpack(args)) end
  return added
end
-- Trims a key to its retention (ms) and counts its units in the trailing window (ms): returns that
-- count and skip, the number of older units it retains (the window's units start at rank skip).
local function windowCount(key, windowMs, retainMs)
  if retainMs < windowMs then retainMs = windowMs end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - retainMs * 1000))
  local kept = redis.call('ZCARD', key)
  if retainMs == windowMs or kept == 0 then return kept, 0 end
  local count = redis.call('ZCOUNT', key, '(' .. string.format('%.0f', now - windowMs * 1000), '+inf')
  return count, kept - count
end
-- A refusal's ages (us): the unit whose expiry makes room for cost units (index count + cost - limit - 1,
-- oldest first among the window's units, which start at rank skip; -1 if there is room), and the same
-- counting only units that can no longer be withdrawn (all but provisional ones younger than the
-- horizon): the key stays full until then whatever happens to those; -1 if they leave room. The older
-- units (all certain) come first; the recent ones (inside every window: a window is >= 1 s) are few.
local function freeingAges(key, count, need, horizonText, skip)
  if need <= 0 or count == 0 then return -1, -1 end
  local at = skip + math.min(need, count) - 1
  local freeing = now - tonumber(redis.call('ZRANGE', key, at, at, 'WITHSCORES')[2])
  local recent = redis.call('ZRANGEBYSCORE', key, '(' .. horizonText, '+inf', 'WITHSCORES')
  local sure, pending = {}, 0
  for j = 1, #recent, 2 do
    if string.sub(recent[j], 1, 1) == 'p' then pending = pending + 1 else sure[#sure + 1] = recent[j + 1] end
  end
  if pending == 0 then return freeing, freeing end
  local older = count - #recent / 2
  at = math.min(need - pending, count - pending) - 1
  if at < 0 then return freeing, -1 end
  if at < older then return freeing, now - tonumber(redis.call('ZRANGE', key, skip + at, skip + at, 'WITHSCORES')[2]) end
  return freeing, now - tonumber(sure[at - older + 1])
end`;
