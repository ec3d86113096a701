import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';
import { DECIDE_LUA, scriptPrelude } from './lua-fragments';

/**
 * The batched script: one call decides, in arrival order, every request that reached the store in one
 * event-loop turn (on a Cluster: those of one hash tag). Each request is decided exactly as
 * {@link DECIDE_SCRIPT} decides it in `record` mode, all its rules (whatever their algorithms, with their
 * costs) atomically; the requests of one call see one Redis `TIME` (read once per call), as sequential
 * calls in the same microsecond would.
 *
 * Leaner than one call per request: besides the call itself (EVALSHA lookup, argument parsing, reply),
 * each key is read once per call and written once, at the end, through its algorithm's entry (a sliding
 * log's trim and oldest admission are read once, its count kept in Lua, its `PEXPIRE` written once; a
 * GCRA key's final tat and TTL). Each request gets its own member suffix (`<instance>:<seq>`).
 *
 * @example
 * client.defineCommand(DECIDE_BATCH_COMMAND, { lua: DECIDE_BATCH_SCRIPT });
 * // two requests, one rule each (a sliding log of cost 1, a GCRA of cost 2 and burst 10); now from Redis TIME; instance 'a1'
 * await client.throttleDecideBatch(2, 'hi:{abc}', 'g:{def}:gcra', '', 'a1', 0,
 *   '7', 1, 60, 60000, 'sliding-log', 1, 60000, '8', 1, 60, 60000, 'gcra', 2, 10);
 * // -> [now, allowed1, count, oldestAge, freeingAge, certainAge, allowed2, debt, sureDebt, -1, -1]
 */
export const DECIDE_BATCH_SCRIPT = `-- Batched rate limiter (exact): the requests of one batch, decided one after the other, each as the
-- single-request script decides it in record mode (admit iff every rule of the request admits its cost,
-- each by its algorithm; then record the admission under all its rules or none).
--
-- KEYS           the keys of every request, request after request, each request's in rule order
-- ARGV[1]        now in microseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]        instance id: request r's member is "<time us>:<instance id>:<sequence of r>"
-- ARGV[3]        extra milliseconds added to each key's TTL (0 in production; test clocks need slack)
-- then per request r, from a = 4 (the next request starts at a + 2 + 5n):
-- ARGV[a]        sequence of r (unique per request within the instance)
-- ARGV[a+1]      n, the number of rules (and keys) of r
-- ARGV[a+5j-3]   limit of rule j of r (j = 1..n)
-- ARGV[a+5j-2]   window of rule j of r, in milliseconds
-- ARGV[a+5j-1]   algorithm of rule j: a name of the ALGORITHMS table
-- ARGV[a+5j]     cost of rule j (units the request consumes)
-- ARGV[a+5j+1]   the algorithm's extra argument (a sliding log's retention in ms, a GCRA burst)
--
-- Returns { now (us), then per request: allowed (1|0), then the 4 numbers of each rule's algorithm }.
${scriptPrelude(3)}
${DECIDE_LUA}
local prefix = nowText .. ':' .. ARGV[2] .. ':'
local call = newCall()
local out = { now }
local a, k = 4, 0
while a <= #ARGV do
  local n = tonumber(ARGV[a + 1])
  local at = #out + 1
  out[at] = 0
  out[at] = decide(call, k, a + 2, n, '1', prefix .. ARGV[a], out)
  a = a + 2 + 5 * n
  k = k + n
end
-- Each key is written once (its TTL, a GCRA key's final tat), as the last sequential call would.
flush(call)
return out
`;

/** SHA1 of {@link DECIDE_BATCH_SCRIPT}: what EVALSHA sends (pinned by a unit test). */
export const DECIDE_BATCH_SHA = createHash('sha1').update(DECIDE_BATCH_SCRIPT).digest('hex');

/** The ioredis command name the store registers with `defineCommand`. */
export const DECIDE_BATCH_COMMAND = 'throttleDecideBatch';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The batched script (see {@link DECIDE_BATCH_SCRIPT}): numkeys, keys, then ARGV. */
    throttleDecideBatch(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}
