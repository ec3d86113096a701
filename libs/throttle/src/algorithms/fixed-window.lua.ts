/**
 * The fixed window's entry in the scripts' `ALGORITHMS` table, which this Lua builds and returns (see `redis/lua-fragments.ts` for the
 * entry's functions). A key is a string `<end>:<count>`: its window's end (µs) and the units admitted in
 * it, expiring with the window (`PX`); the first admission after the end opens a new window. The end is
 * stored rather than left to the TTL, so a test clock (ARGV[1]) decides windows exactly. Only on a
 * Cluster, after a provisional (cross-slot) admission, `:<pendingUntil>:<pending>` follows until
 * `pendingUntil`: the units withdrawals may still take out, so a refusal can say what is certain.
 *
 * Reply per rule: count (before this request), left (µs until the window ends; -1 if none is open),
 * sure (count without pending units), -1.
 */
export const FIXED_WINDOW_LUA = `local function fixedRead(key)
  local value = redis.call('GET', key)
  local f = {}
  if value then
    for part in string.gmatch(value, '%d+') do f[#f + 1] = tonumber(part) end
  end
  return { finish = f[1] or 0, count = f[2] or 0, pendingUntil = f[3] or 0, pending = f[4] or 0 }
end
local function fixedWrite(key, cell)
  local value = string.format('%.0f', cell.finish) .. ':' .. string.format('%.0f', cell.count)
  if cell.pendingUntil > now and cell.pending > 0 then
    value = value .. ':' .. string.format('%.0f', cell.pendingUntil) .. ':' .. string.format('%.0f', cell.pending)
  end
  redis.call('SET', key, value, 'PX', math.ceil((cell.finish - now) / 1000) + slack)
end
return {
  check = function(call, key, limit, windowMs, cost)
    local cell = call.cells[key]
    if cell == nil then
      cell = fixedRead(key)
      call.cells[key] = cell
    end
    local count, left, sure = 0, -1, 0
    if cell.finish > now then
      count, left, sure = cell.count, cell.finish - now, cell.count
      if cell.pendingUntil > now then sure = math.max(0, count - cell.pending) end
    end
    return count + cost <= limit, { count = count, left = left, sure = sure, cost = cost, windowUs = windowMs * 1000 }
  end,
  reply = function(call, key, c, out)
    out[#out + 1] = c.count
    out[#out + 1] = c.left
    out[#out + 1] = c.sure
    out[#out + 1] = -1
  end,
  -- The first admission after the window's end opens a new one (INCRBY on a fresh count, PEXPIRE at its end).
  record = function(call, key, c, member, provisional)
    local cell = call.cells[key]
    if cell.finish <= now then
      cell.finish, cell.count, cell.pendingUntil, cell.pending = now + c.windowUs, 0, 0, 0
    end
    cell.count = cell.count + c.cost
    if provisional then
      if cell.pendingUntil <= now then cell.pending = 0 end
      cell.pendingUntil, cell.pending = now + horizonUs, cell.pending + c.cost
    end
  end,
  flush = function(key, cell)
    fixedWrite(key, cell)
  end,
  -- DECRBY, never below zero, inside the current window only.
  refund = function(key, units)
    local cell = fixedRead(key)
    if cell.finish <= now then return 0 end
    local taken = math.min(units, cell.count)
    cell.count, cell.pending = cell.count - taken, math.max(0, cell.pending - taken)
    fixedWrite(key, cell)
    return taken
  end,
  -- Only from the window the admission was counted in (it opened at or before atUs).
  withdraw = function(key, member, units, atUs, windowMs)
    local cell = fixedRead(key)
    if cell.finish <= now or cell.finish - windowMs * 1000 > atUs then return 0 end
    cell.count, cell.pending = math.max(0, cell.count - units), math.max(0, cell.pending - units)
    fixedWrite(key, cell)
    return 1
  end,
}`;
