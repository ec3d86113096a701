import { ALGORITHMS } from '../algorithms/registry';

/**
 * How long a provisional admission (a cross-slot request's, logged before its later slot groups decide)
 * may still be withdrawn. Older ones stay even if their request was refused (the withdrawal script
 * declines): refusals that count them are then certain, and the local deny cache may remember them.
 */
export const WITHDRAW_HORIZON_MS = 1_000;

/**
 * The Lua shared by the Redis store's scripts (the decision, batched, refund and withdrawal scripts embed
 * it verbatim, so each script stays one self-contained EVALSHA). Each fragment defines locals only.
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
 * What every script starts with: `now`, the TTL `slack` (ms, from ARGV[slackArg]), then the table of
 * algorithms, one entry per unit of `algorithms/registry.ts`. A unit's Lua (`redis.lua`) is the body of
 * a function that returns its entry: it runs the first time the call names the algorithm, so a call
 * defines the functions of the algorithms it uses only (Lua creates every function a script defines on
 * each call). An entry has:
 *
 *   check(call, key, limit, windowMs, cost, extra) -> admits, c   reads the key (once per call: call.cells[key])
 *   reply(call, key, c, out)             appends the rule's 4 numbers to out (read before any record)
 *   record(call, key, c, member, provisional)   records the admission in call.cells[key]
 *   flush(key, cell)                      writes a recorded key, once, at the end of the call
 *   refund(key, units, extra) -> taken    takes back the newest units, never below zero
 *   withdraw(key, member, units, atUs, extra) -> 1|0   takes back a provisional admission
 *
 * `extra` is the rule's 5th argument (`RedisUnit.extraArg`, or `takeArgs` for refund and withdraw).
 * Upvalues the entries read: now, nowText, slack, horizonUs, horizonText (now - the withdrawal horizon).
 */
export function scriptPrelude(slackArg: number): string {
  const units = Object.values(ALGORITHMS).map((unit) => `UNITS['${unit.name}'] = function()\n${unit.redis.lua}\nend`);
  return `${NOW_LUA}
local slack = tonumber(ARGV[${slackArg}])
local nowText = string.format('%.0f', now)
local horizonUs = ${WITHDRAW_HORIZON_MS * 1000}
local horizonText = string.format('%.0f', now - horizonUs)
local UNITS = {}
${units.join('\n')}
local ALGORITHMS = setmetatable({}, {
  __index = function(algorithms, name)
    local entry = UNITS[name]()
    algorithms[name] = entry
    return entry
  end,
})`;
}

/**
 * Deciding requests (after {@link scriptPrelude}): `decide` checks every rule of one request, appends
 * each rule's numbers, and records an admission under all of them (mode "1"; "2": provisionally) or
 * none (a refusal, or mode "0"); `flush` writes every recorded key once, as the last sequential call would.
 */
export const DECIDE_LUA = `local function newCall()
  return { cells = {}, written = {}, order = {} }
end
-- One request: n rules, keys from KEYS[k + 1], rule j's 5 arguments (limit, window ms, algorithm, cost,
-- extra) from ARGV[b + 5 * (j - 1)]. Returns allowed (1|0).
local function decide(call, k, b, n, mode, member, out)
  local checks, allowed = {}, 1
  for j = 1, n do
    local a = b + 5 * (j - 1)
    local admits, check = ALGORITHMS[ARGV[a + 2]].check(call, KEYS[k + j], tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]))
    if not admits then allowed = 0 end
    checks[j] = check
  end
  for j = 1, n do
    local key, algorithm = KEYS[k + j], ALGORITHMS[ARGV[b + 5 * (j - 1) + 2]]
    algorithm.reply(call, key, checks[j], out)
    if allowed == 1 and mode ~= '0' then
      algorithm.record(call, key, checks[j], member, mode == '2')
      if call.written[key] == nil then
        call.written[key] = algorithm
        call.order[#call.order + 1] = key
      end
    end
  end
  return allowed
end
local function flush(call)
  for i = 1, #call.order do
    local key = call.order[i]
    call.written[key].flush(key, call.cells[key])
  end
end`;
