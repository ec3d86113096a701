import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { GCRA_LUA, NOW_LUA, WITHDRAW_HORIZON_MS } from './lua-fragments';

/**
 * The withdrawal script of the Redis store's cross-slot path: takes a refused request's provisional
 * admission back from the keys of one slot group, unless it is older than {@link WITHDRAW_HORIZON_MS}.
 * The store's script treats older provisional admissions as certain (refusals counting them may be
 * deny-cached), so a late withdrawal must leave them: the key then over-counts until it expires, which
 * never over-admits.
 *
 * A sliding log loses the admission's members. A GCRA key loses the part of the admission's `cost * T`
 * that has not drained yet: `tat -= max(0, min(cost * T, tatAdmitted - now))`. Why that is exact, or
 * else errs towards refusing: let `e` be the key's tat (at least the admission's time) before the
 * admission, which wrote `tatAdmitted = e + cost * T`. Without the admission the key would hold `e`.
 * Each later admission maps both through `x -> max(x, t) + c * T`, which keeps their difference at
 * `cost * T` while `t <= e'` (the key without the admission is still in debt at `t`) and shrinks it by at
 * most the time the key without it was idle, `t - e'`; those idle spells all lie in `(e, now]`. So the
 * difference is still at least `cost * T - (now - e)`: subtracting `min(cost * T, tatAdmitted - now)`
 * never takes the key below where it would be without the admission. It is exact (to the microsecond, as
 * seen from now on) when no admission came between (the common case: the withdrawal follows its refusal
 * within one round trip), or when the key was in debt until now anyway (`e >= now`): then it is the
 * plain `tat - cost * T`. Otherwise it leaves at most `now - e` µs too much: it never over-admits.
 * The subtracted units also leave the key's pending debt (see `lua-fragments.ts`).
 *
 * @example
 * client.defineCommand(WITHDRAW_COMMAND, { lua: WITHDRAW_SCRIPT });
 * // the admission logged at 1700000000000000 us by request 'a1:7' under a sliding log (cost 1) and a
 * // GCRA key (cost 1, T = 100 ms, which it moved to 1700000000100000) of one slot; now from Redis TIME
 * await client.throttleWithdraw(2, 'a:{u1}', 'b:{u1}', '', 'p1700000000000000:a1:7', '1700000000000000', 0,
 *   'sliding-log', 1, 0, 'gcra', 100000, '1700000000100000'); // 2
 */
export const WITHDRAW_SCRIPT = `-- Withdraws a provisional admission (store script, ARGV[4] = "2") from every key of one slot group,
-- unless it is as old as the horizon (${WITHDRAW_HORIZON_MS} ms): from then on it is certain, and stays.
--
-- KEYS[i]     the keys the admission was recorded under (one slot)
-- ARGV[1]     now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]     the admission's member: "p<time us>:<suffix>" (a sliding log's first unit; unit u is "<member>:<u>")
-- ARGV[3]     the admission's time in microseconds (its score)
-- ARGV[4]     extra milliseconds added to a rewritten GCRA key's TTL (0 in production)
-- ARGV[3i+2]  algorithm of key i: "sliding-log" or "gcra"
-- ARGV[3i+3]  units of key i: a sliding log's cost (members to remove); a GCRA key's cost * T (us)
-- ARGV[3i+4]  GCRA: the tat the admission wrote (us); ignored by a sliding log
--
-- Returns the number of keys it was withdrawn from, or -1 when it is too old to withdraw (nothing changed).
${NOW_LUA}
${GCRA_LUA}
if now - tonumber(ARGV[3]) >= ${WITHDRAW_HORIZON_MS * 1000} then return -1 end
local withdrawn = 0
for i = 1, #KEYS do
  local units = tonumber(ARGV[3 * i + 3])
  if ARGV[3 * i + 2] == 'gcra' then
    local tat, pendingUntil, pending = gcraRead(KEYS[i])
    if tat then
      -- What is left of the admission's cost * T at now (see the module's comment: never below the truth).
      tat = tat - math.max(0, math.min(units, tonumber(ARGV[3 * i + 4]) - now))
      if tat > now then
        gcraWrite(KEYS[i], tat, pendingUntil, math.max(0, pending - units), tonumber(ARGV[4]))
      else
        redis.call('DEL', KEYS[i])
      end
      withdrawn = withdrawn + 1
    end
  else
    local removed, members = 0, { ARGV[2] }
    for u = 2, units + 1 do
      if u > units or #members >= 1000 then
        removed = removed + redis.call('ZREM', KEYS[i], unpack(members))
        members = {}
      end
      members[#members + 1] = ARGV[2] .. ':' .. u
    end
    if removed > 0 then withdrawn = withdrawn + 1 end
  end
end
return withdrawn
`;

/** SHA1 of {@link WITHDRAW_SCRIPT} (pinned by a unit test). */
export const WITHDRAW_SHA = createHash('sha1').update(WITHDRAW_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const WITHDRAW_COMMAND = 'throttleWithdraw';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The withdrawal script (see {@link WITHDRAW_SCRIPT}): numkeys, keys, now, member, admission time, TTL slack, 3 per key. */
    throttleWithdraw(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
  }
}
