import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { scriptPrelude } from './lua-fragments';

/**
 * The refund script of the Redis store (`ThrottleService.refund`): takes back the newest admissions of
 * each key, never below zero, through its algorithm's `refund` entry (a sliding log loses its `cost`
 * newest members inside the rule's window, never a block's members `b:<u>`: a refund never lifts a
 * block, `reset` does; a GCRA key's `tat` moves back by `cost * T`, never below now).
 * The keys of one identity share its hash tag, so one call is atomic on a Cluster too.
 *
 * @example
 * client.defineCommand(REFUND_COMMAND, { lua: REFUND_SCRIPT });
 * // one sliding log (cost 1, window 60 s) and one GCRA key (cost 1, T = 100 ms); now from Redis TIME
 * await client.throttleRefund(2, 'hi:{u1}', 'api:{u1}:gcra', '', 0, 'sliding-log', 1, 60000, 'gcra', 100000, 100000); // [1, 1]
 */
export const REFUND_SCRIPT = `-- Refund: takes back the newest admissions of every key, never below zero.
--
-- KEYS[i]     key of rule i (all of one slot: one identity's keys share its hash tag)
-- ARGV[1]     now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]     extra milliseconds added to a rewritten key's TTL (0 in production)
-- ARGV[3i]    algorithm of rule i: a name of the ALGORITHMS table
-- ARGV[3i+1]  units of rule i (RedisUnit.takeArgs): a sliding log's cost (members); a GCRA rule's cost * T (us)
-- ARGV[3i+2]  its extra argument: a sliding log's window in ms (only members inside it go); GCRA: T in us
--
-- Returns per key the units taken back.
${scriptPrelude(2)}
local out = {}
for i = 1, #KEYS do
  out[i] = ALGORITHMS[ARGV[3 * i]].refund(KEYS[i], tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2]))
end
return out
`;

/** SHA1 of {@link REFUND_SCRIPT} (pinned by a unit test). */
export const REFUND_SHA = createHash('sha1').update(REFUND_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const REFUND_COMMAND = 'throttleRefund';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The refund script (see {@link REFUND_SCRIPT}): numkeys, keys, now, TTL slack, 3 per key. */
    throttleRefund(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}
