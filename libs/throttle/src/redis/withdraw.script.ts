import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { scriptPrelude, WITHDRAW_HORIZON_MS } from './lua-fragments';

/**
 * The withdrawal script of the Redis store's cross-slot path: takes a refused request's provisional
 * admission back from the keys of one slot group, unless it is older than {@link WITHDRAW_HORIZON_MS}.
 * The store's script treats older provisional admissions as certain (refusals counting them may be
 * deny-cached), so a late withdrawal must leave them: the key then over-counts until it expires, which
 * never over-admits.
 *
 * A sliding log loses the admission's members. A GCRA key loses what is left, at now, of the debt the
 * admission added: `tat -= max(0, cost * T - (now - admittedAt))`. Why that never takes the key below
 * where it would be without the admission (so never over-admits), whatever came between: the admission
 * at `t` mapped the key's (effective) tat `e >= t` to `e + cost * T`. Every later admission maps both
 * histories, with and without it, through `x -> max(x, t') + c' * T`, which keeps their difference or
 * shrinks it by at most the time the key without it spent idle (`t' - x`); earlier withdrawals lower
 * both alike. Those idle spells all lie in `(t, now]`, so the difference is still at least
 * `cost * T - (now - t)`. Subtracting exactly that is exact when the withdrawal runs at the admission's
 * instant (the test clock), or when the key was idle at `t` and nothing came between; otherwise it
 * leaves the key at most `now - t` µs (the withdrawal's delay, a round trip or two) too far ahead: it
 * errs towards refusing. The plain `tat - cost * T` would be exact only if nothing came between:
 * after an admission on a key that was idle, or after another withdrawal, it can go below the truth.
 * The subtracted units also leave the key's pending debt (see `lua-fragments.ts`).
 *
 * @example
 * client.defineCommand(WITHDRAW_COMMAND, { lua: WITHDRAW_SCRIPT });
 * // the admission logged at 1700000000000000 us by request 'a1:7' under a sliding log (cost 1) and a
 * // GCRA key (cost 1, T = 100 ms) of one slot; now from Redis TIME
 * await client.throttleWithdraw(2, 'a:{u1}', 'b:{u1}:gcra', '', 'p1700000000000000:a1:7', '1700000000000000', 0,
 *   'sliding-log', 1, 60000, 'gcra', 100000, 100000); // 2
 */
export const WITHDRAW_SCRIPT = `-- Withdraws a provisional admission (decision script, ARGV[4] = "2") from every key of one slot group,
-- unless it is as old as the horizon (${WITHDRAW_HORIZON_MS} ms): from then on it is certain, and stays.
--
-- KEYS[i]     the keys the admission was recorded under (one slot)
-- ARGV[1]     now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]     the admission's member: "p<time us>:<suffix>" (a sliding log's first unit; unit u is "<member>:<u>")
-- ARGV[3]     the admission's time in microseconds (its score)
-- ARGV[4]     extra milliseconds added to a rewritten key's TTL (0 in production)
-- ARGV[3i+2]  algorithm of key i: a name of the ALGORITHMS table
-- ARGV[3i+3]  units of key i (RedisUnit.takeArgs): a sliding log's cost (members to remove); a GCRA key's cost * T (us)
-- ARGV[3i+4]  its extra argument (a sliding log's window in ms, a GCRA key's T in us)
--
-- Returns the number of keys it was withdrawn from, or -1 when it is too old to withdraw (nothing changed).
${scriptPrelude(4)}
local atUs = tonumber(ARGV[3])
if now - atUs >= horizonUs then return -1 end
local withdrawn = 0
for i = 1, #KEYS do
  local algorithm = ALGORITHMS[ARGV[3 * i + 2]]
  withdrawn = withdrawn + algorithm.withdraw(KEYS[i], ARGV[2], tonumber(ARGV[3 * i + 3]), atUs, tonumber(ARGV[3 * i + 4]))
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
