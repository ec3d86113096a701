/**
 * The sliding log's entry in the scripts' `ALGORITHMS` table, which this Lua builds and returns (see `redis/lua-fragments.ts` for the entry's
 * functions). A key is a sorted set, one member per admitted unit (score = its time in µs); a request of
 * cost c logs c members: `<member>`, then `<member>:2` .. `<member>:c`. The call's cell of a key caches its
 * trim, its count (kept in Lua as units are logged) and its oldest admission; its `PEXPIRE` (the key's
 * retention, >= its window) is written once, at the end of the call.
 *
 * Reply per rule (µs): count (units in the window before this request; the key may retain older ones),
 * oldestAge (now - the oldest unit in the window; -1 if none), freeingAge (now - the unit whose expiry
 * makes room for cost, index count + cost - limit - 1; -1 if room), certainAge (freeingAge counting only
 * units that cannot be withdrawn any more: all but provisional ones younger than the horizon; -1 if they
 * leave room; = freeingAge when there are none).
 */
export const SLIDING_LOG_LUA = `local function logUnits(key, member, cost)
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
-- A refusal's ages (us): the unit whose expiry makes room for cost units (index count + cost - limit - 1,
-- oldest first among the window's units, which start at rank skip; -1 if there is room), and the same
-- counting only units that can no longer be withdrawn (all but provisional ones younger than the
-- horizon): the key stays full until then whatever happens to those; -1 if they leave room. The older
-- units (all certain) come first; the recent ones (inside every window: a window is >= 1 s) are few.
local function freeingAges(key, count, need, skip)
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
end
return {
  -- Trims the key to its retention (once per call and retention), counts its units in the window.
  check = function(call, key, limit, windowMs, cost, retainMs)
    if retainMs < windowMs then retainMs = windowMs end
    local cutoff = now - retainMs * 1000
    local cell = call.cells[key]
    if cell == nil or cell.trimmedAt ~= cutoff then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', cutoff))
      cell = { trimmedAt = cutoff, count = redis.call('ZCARD', key), ttl = cell and cell.ttl }
      call.cells[key] = cell
    end
    -- A rule counting a shorter window than its key retains reads its count (the cell holds the key's).
    local count, skip = cell.count, 0
    if retainMs > windowMs and count > 0 then
      count = redis.call('ZCOUNT', key, '(' .. string.format('%.0f', now - windowMs * 1000), '+inf')
      skip = cell.count - count
    end
    return count + cost <= limit, { count = count, skip = skip, limit = limit, cost = cost, ttl = retainMs + slack }
  end,
  reply = function(call, key, c, out)
    local cell = call.cells[key]
    local oldest = -1
    if c.count > 0 and c.skip > 0 then
      oldest = now - tonumber(redis.call('ZRANGE', key, c.skip, c.skip, 'WITHSCORES')[2])
    elseif c.count > 0 then
      if cell.oldest == nil then cell.oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]) end
      oldest = now - cell.oldest
    end
    local freeing, certain = freeingAges(key, c.count, c.count + c.cost - c.limit, c.skip)
    out[#out + 1] = c.count
    out[#out + 1] = oldest
    out[#out + 1] = freeing
    out[#out + 1] = certain
  end,
  record = function(call, key, c, member)
    local cell = call.cells[key]
    if cell.oldest == nil and cell.count == 0 then cell.oldest = now end
    cell.count = cell.count + logUnits(key, member, c.cost)
    cell.ttl = c.ttl
  end,
  flush = function(key, cell)
    redis.call('PEXPIRE', key, cell.ttl)
  end,
  -- The newest units inside the window (extra: the window, ms) go, at most units.
  -- The newest admissions inside the window, past a block's members ("b:<u>"): a refund never lifts a block.
  refund = function(key, units, windowMs)
    local cutoff = string.format('%.0f', now - windowMs * 1000)
    local newest, offset, chunk = {}, 0, math.max(units, 100)
    repeat
      local batch = redis.call('ZREVRANGEBYSCORE', key, '+inf', '(' .. cutoff, 'LIMIT', offset, chunk)
      for _, member in ipairs(batch) do
        if #newest < units and string.sub(member, 1, 2) ~= 'b:' then newest[#newest + 1] = member end
      end
      offset = offset + chunk
    until #newest >= units or #batch < chunk
    if #newest == 0 then return 0 end
    return redis.call('ZREM', key, unpack(newest))
  end,
  -- The admission's members go: "<member>", then "<member>:2" .. "<member>:<units>".
  withdraw = function(key, member, units)
    local removed, members = 0, { member }
    for u = 2, units + 1 do
      if u > units or #members >= 1000 then
        removed = removed + redis.call('ZREM', key, unpack(members))
        members = {}
      end
      members[#members + 1] = member .. ':' .. u
    end
    if removed > 0 then return 1 end
    return 0
  end,
}`;
