/**
 * GCRA's entry in the scripts' `ALGORITHMS` table, which this Lua builds and returns (see `redis/lua-fragments.ts` for the entry's
 * functions). A key is a string holding `tat`, the theoretical arrival time in integer µs, written with
 * `%.0f`. Only on a Cluster, after a provisional (cross-slot) admission, the string is
 * `<tat>:<pendingUntil>:<pending>` until `pendingUntil` (the last provisional admission's time + the
 * withdrawal horizon): `pending` bounds the debt (µs) that withdrawals may still take out of `tat`, so a
 * refusal can say how long the key stays full whatever they do (the deny cache relies on it). Past
 * `pendingUntil` every admission is final and the next write drops the suffix. A key is read once per
 * call and written once, at its end (its final tat and TTL).
 *
 * Reply per rule: debt (max(tat, now) - now before this request, µs), sureDebt (debt without what
 * pending withdrawals may take out; = debt when none may), -1, -1.
 */
export const GCRA_LUA = `local function gcraRead(key)
  local value = redis.call('GET', key)
  if not value then return nil, 0, 0 end
  local tat, pendingUntil, pending = string.match(value, '^(%d+):(%d+):(%d+)$')
  if tat then return tonumber(tat), tonumber(pendingUntil), tonumber(pending) end
  return tonumber(value), 0, 0
end
-- Writes tat (the pending suffix while it is live) with TTL ceil((tat - now) / 1 ms) + slack.
local function gcraWrite(key, tat, pendingUntil, pending)
  local value = string.format('%.0f', tat)
  if pendingUntil > now and pending > 0 then
    value = value .. ':' .. string.format('%.0f', pendingUntil) .. ':' .. string.format('%.0f', pending)
  end
  redis.call('SET', key, value, 'PX', math.ceil((tat - now) / 1000) + slack)
end
return {
  -- Admits iff max(tat, now) + cost * T - now <= burst * T (extra: the burst).
  check = function(call, key, limit, windowMs, cost, burst)
    local cell = call.cells[key]
    if cell == nil then
      local tat, pendingUntil, pending = gcraRead(key)
      cell = { tat = tat, pendingUntil = pendingUntil, pending = pending }
      call.cells[key] = cell
    end
    local interval = math.ceil(windowMs * 1000 / limit)
    local debt = 0
    if cell.tat ~= nil and cell.tat > now then debt = cell.tat - now end
    local sure = debt
    if cell.pendingUntil > now then sure = math.max(0, debt - cell.pending) end
    local nextTat = now + debt + cost * interval
    return nextTat - now <= burst * interval, { nextTat = nextTat, debt = debt, sure = sure, units = cost * interval }
  end,
  reply = function(call, key, c, out)
    out[#out + 1] = c.debt
    out[#out + 1] = c.sure
    out[#out + 1] = -1
    out[#out + 1] = -1
  end,
  -- A provisional admission adds its cost * T to the key's pending debt.
  record = function(call, key, c, member, provisional)
    local cell = call.cells[key]
    cell.tat = c.nextTat
    if provisional then
      if cell.pendingUntil <= now then cell.pending = 0 end
      cell.pendingUntil, cell.pending = now + horizonUs, cell.pending + c.units
    end
  end,
  flush = function(key, cell)
    gcraWrite(key, cell.tat, cell.pendingUntil, cell.pending)
  end,
  -- tat moves back by units (cost * T, us), never below now (deleted when it reaches now: an idle key);
  -- the units taken back are rounded up to whole intervals (extra: T, us).
  refund = function(key, units, interval)
    local tat, pendingUntil, pending = gcraRead(key)
    if not tat or tat <= now then return 0 end
    local back = math.min(units, tat - now)
    if tat - back > now then
      gcraWrite(key, tat - back, pendingUntil, math.max(0, pending - back))
    else
      redis.call('DEL', key)
    end
    return math.ceil(back / interval)
  end,
  -- What is left at now of the debt the admission added (withdraw.script.ts: never below the truth).
  withdraw = function(key, member, units, atUs)
    local tat, pendingUntil, pending = gcraRead(key)
    if not tat then return 0 end
    tat = tat - math.max(0, units - (now - atUs))
    if tat > now then
      gcraWrite(key, tat, pendingUntil, math.max(0, pending - units))
    else
      redis.call('DEL', key)
    end
    return 1
  end,
}`;
