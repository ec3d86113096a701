import { createHash } from 'node:crypto';
import type { Result } from 'ioredis';

/**
 * The Redis lease script: one sorted set per (scope, client), members the lease ids, scores their
 * expiry (ms). Prunes expired leases, then adds this one if fewer than the limit are live: atomic, so N
 * workers and replicas never hold more than the limit between them. The key carries the client's hash
 * tag (`export:{Xb3…}:lease`), so it runs unchanged on a Cluster. A release is a plain `ZREM`.
 *
 * @example
 * client.defineCommand(LEASE_COMMAND, { numberOfKeys: 1, lua: LEASE_SCRIPT });
 * await client.throttleLease('export:{Xb3…}:lease', '', 2, 30000, 'a1', 0); // [1, 1, 0]
 */
export const LEASE_SCRIPT = `-- Lease: takes one concurrency lease if fewer than the limit are live.
--
-- KEYS[1]  the lease set of one (scope, client): a sorted set, member = lease id, score = expiry (ms)
-- ARGV[1]  now in milliseconds (an integer in decimal), or "" to read Redis TIME (production)
-- ARGV[2]  the limit: leases live at once
-- ARGV[3]  the lease's time-to-live in ms
-- ARGV[4]  the lease id (unique per request)
-- ARGV[5]  extra milliseconds added to the key's TTL (0 in production; test clocks stand still)
--
-- The key lives 2 x leaseMs past its newest lease, so a lease that expires unreleased is still there to
-- be counted (as expired) by the next acquire within leaseMs of its expiry.
--
-- Returns {admitted (1 or 0), leases live after, expired leases removed}.
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[1])
end
local expired = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[2]) then return {0, held, expired} end
local leaseMs = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], string.format('%.0f', now + leaseMs), ARGV[4])
redis.call('PEXPIRE', KEYS[1], 2 * leaseMs + tonumber(ARGV[5]))
return {1, held + 1, expired}
`;

/** SHA1 of {@link LEASE_SCRIPT} (pinned by a unit test). */
export const LEASE_SHA = createHash('sha1').update(LEASE_SCRIPT).digest('hex');

/** The ioredis command name the lease store registers with `defineCommand`. */
export const LEASE_COMMAND = 'throttleLease';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The lease script (see {@link LEASE_SCRIPT}): key, now, limit, leaseMs, id, TTL slack. */
    throttleLease(key: string, now: string, limit: number, leaseMs: number, id: string, ttlSlackMs: number): Result<number[], Context>;
  }
}
