import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { WITHDRAW_HORIZON_MS } from './sliding-log.script';

/**
 * The withdrawal script of the Redis store's cross-slot path: removes a refused request's provisional
 * admission from the keys of one slot group, unless it is older than {@link WITHDRAW_HORIZON_MS}. The
 * sliding-log script treats older provisional admissions as certain (refusals counting them may be
 * deny-cached), so a late withdrawal must leave them: the key then over-counts by one until it expires,
 * which never over-admits.
 *
 * @example
 * client.defineCommand(WITHDRAW_COMMAND, { lua: WITHDRAW_SCRIPT });
 * // the admission logged at 1700000000000000 us by request 'a1:7' under two keys of one slot; now from Redis TIME
 * await client.throttleWithdraw(2, 'a:{u1}', 'b:{u1}', '', 'p1700000000000000:a1:7', '1700000000000000'); // 2
 */
export const WITHDRAW_SCRIPT = `-- Withdraws a provisional admission (sliding-log script, ARGV[4] = "2") from every key of one slot
-- group, unless it is as old as the horizon (${WITHDRAW_HORIZON_MS} ms): from then on it is certain, and stays.
--
-- KEYS[i]   the sorted sets the admission was logged under (one slot)
-- ARGV[1]   now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]   the admission's member: "p<time us>:<suffix>"
-- ARGV[3]   the admission's time in microseconds (its score)
--
-- Returns the number of keys it was removed from, or -1 when it is too old to withdraw (nothing removed).
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
if now - tonumber(ARGV[3]) >= ${WITHDRAW_HORIZON_MS * 1000} then return -1 end
local removed = 0
for i = 1, #KEYS do
  removed = removed + redis.call('ZREM', KEYS[i], ARGV[2])
end
return removed
`;

/** SHA1 of {@link WITHDRAW_SCRIPT} (pinned by a unit test). */
export const WITHDRAW_SHA = createHash('sha1').update(WITHDRAW_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const WITHDRAW_COMMAND = 'throttleWithdraw';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The withdrawal script (see {@link WITHDRAW_SCRIPT}): numkeys, keys, now, member, admission time. */
    throttleWithdraw(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
  }
}
