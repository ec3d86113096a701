import type { Cluster, Redis } from 'ioredis';
import type { StoreTime } from '../clock';
import { hashTag } from '../storage/store-key';
import { retainOf, ThrottleRequest } from '../storage/throttle-storage';
import './block.script';
import './refund.script';
import { takeArgs } from './script-reply';

/**
 * The Redis store's runtime controls beside its decisions (`ThrottleService.refund` and `reset`): each
 * one command on the keys of one identity, which share a hash tag (one Cluster slot).
 *
 * @example
 * await refundOnRedis(client, { rules: [{ key: 'hi:{u1}', limit: 5, windowMs: 60_000 }] }); // [1]
 */
export async function refundOnRedis(client: Redis | Cluster, request: ThrottleRequest, storeTime?: StoreTime): Promise<number[]> {
  const rules = request.rules;
  if (rules.length === 0) return [];
  oneSlot(rules.map((r) => r.key));
  const args: (string | number)[] = rules.map((rule) => rule.key);
  args.push(storeTime ? String(Math.round(storeTime.now() * 1000)) : '', storeTime ? storeTime.ttlSlackMs : 0);
  for (const rule of rules) args.push(...takeArgs(rule));
  return client.throttleRefund(rules.length, ...args);
}

/** Blocks the (sliding-log) keys for `blockMs` (see block.script.ts); resolves with each block's milliseconds left. */
export async function blockOnRedis(
  client: Redis | Cluster,
  request: ThrottleRequest,
  blockMs: number,
  storeTime?: StoreTime,
): Promise<number[]> {
  const rules = request.rules;
  if (rules.length === 0) return [];
  oneSlot(rules.map((r) => r.key));
  const args: (string | number)[] = rules.map((rule) => rule.key);
  args.push(storeTime ? String(Math.round(storeTime.now() * 1000)) : '', storeTime ? storeTime.ttlSlackMs : 0, blockMs);
  for (const rule of rules) args.push(rule.limit, rule.windowMs, retainOf(rule));
  return client.throttleBlock(rules.length, ...args);
}

/** Deletes the keys (one identity's: one slot). */
export async function resetOnRedis(client: Redis | Cluster, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  oneSlot(keys);
  await client.del(...keys);
}

/** Refuses keys of several hash tags with an error that says why (a Cluster would answer CROSSSLOT). */
function oneSlot(keys: readonly string[]): void {
  const tag = hashTag(keys[0]);
  if (keys.some((key) => hashTag(key) !== tag)) {
    throw new RangeError(`throttle refund/reset/block: keys must share one hash tag (one identity), got ${keys.join(', ')}`);
  }
}
