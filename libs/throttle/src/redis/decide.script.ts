import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { DECIDE_LUA, scriptPrelude, WITHDRAW_HORIZON_MS } from './lua-fragments';

export { WITHDRAW_HORIZON_MS };

/** What the script does with an admission: `check` only, `record` it, or record it `provisionally` (withdrawable). */
export type RecordMode = 'check' | 'record' | 'provisional';

/** ARGV[4] of each {@link RecordMode}. */
export const RECORD_MODE_ARG: Record<RecordMode, string> = { check: '0', record: '1', provisional: '2' };

/**
 * The decision script of the Redis store: one call decides a whole request (all its rules, whatever
 * their algorithms) atomically, each rule through its algorithm's entry in the scripts' table
 * (`lua-fragments.ts`; the keys each algorithm writes are described in its `algorithms/*.lua.ts`).
 * Numbers are written with `string.format('%.0f')`, never `tostring()` (which prints 1.7e+15 and would
 * merge distinct times).
 *
 * Two ARGVs serve tests, and stay on purpose: ARGV[1] (a given "now" instead of Redis `TIME`) and
 * ARGV[3] (extra TTL) let the conformance suite and the property tests drive *this* script, the one
 * production runs, with a fake clock at exact window boundaries, instead of a test-only copy. The store
 * sends them only when its clock offers `ThrottleClock.storeTime()` (test clocks); production sends
 * `''` and `0`, and the script reads Redis `TIME`. ARGV[4] (check only, provisional) serves the Cluster path.
 *
 * @example
 * client.defineCommand(DECIDE_COMMAND, { lua: DECIDE_SCRIPT });
 * // 1 key, now from Redis TIME, suffix 'a1:7', no TTL slack, record on admit; limit 60, window 60 s, sliding log, cost 1
 * await client.throttleDecide(1, 'hi:{abc}', '', 'a1:7', 0, 1, 60, 60000, 'sliding-log', 1, 60000);
 * // -> [1, now, count, oldestAge, freeingAge, certainAge]
 */
export const DECIDE_SCRIPT = `-- Rate limiter (exact): admit iff every rule admits the request's cost, each by its algorithm;
-- then record the admission under every rule, or under none.
--
-- KEYS[i]        key of rule i (what it holds: its algorithm's entry)
-- ARGV[1]        now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]        member suffix, unique per request (instance id and sequence)
-- ARGV[3]        extra milliseconds added to each key's TTL (0 in production; test clocks need slack)
-- ARGV[4]        "1": record when admitted; "0": check only, never record; "2": record provisionally
--                (withdrawable within the horizon: a cross-slot request's admission, logged before its
--                later slot groups decide): sliding-log members "p<time us>:<suffix>[:<unit>]"; a GCRA
--                or fixed-window key adds the admission to its pending debt
-- ARGV[5i]       limit of rule i (i = 1..#KEYS)
-- ARGV[5i+1]     window of rule i, in milliseconds
-- ARGV[5i+2]     algorithm of rule i: a name of the ALGORITHMS table ("sliding-log", "gcra", "fixed-window")
-- ARGV[5i+3]     cost of rule i (units this request consumes)
-- ARGV[5i+4]     the algorithm's extra argument: a sliding log's retention (ms, >= the window), a GCRA burst
--
-- Returns { allowed (1|0), now (us), then the 4 numbers of each rule's algorithm }.
${scriptPrelude(3)}
${DECIDE_LUA}
local member = nowText .. ':' .. ARGV[2]
if ARGV[4] == '2' then member = 'p' .. member end
local call = newCall()
local out = { 0, now }
out[1] = decide(call, 0, 5, #KEYS, ARGV[4], member, out)
flush(call)
return out
`;

/** SHA1 of {@link DECIDE_SCRIPT}: what EVALSHA sends (pinned by a unit test). */
export const DECIDE_SHA = createHash('sha1').update(DECIDE_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const DECIDE_COMMAND = 'throttleDecide';

/** @deprecated 0.x name of {@link DECIDE_SCRIPT}, which decides every algorithm, not only sliding logs. */
export const SLIDING_LOG_SCRIPT = DECIDE_SCRIPT;
/** @deprecated 0.x name of {@link DECIDE_SHA}. */
export const SLIDING_LOG_SHA = DECIDE_SHA;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The store's decision script (see {@link DECIDE_SCRIPT}): numkeys, keys, then ARGV. */
    throttleDecide(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}
