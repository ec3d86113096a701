import { hashTag } from '../storage/store-key';
import type { ThrottleRule } from '../storage/throttle-storage';

/**
 * Groups rule indexes by Redis Cluster hash tag (the `{...}` part, else the whole key); undefined when
 * all rules share one, so the request runs as one script. Same tag implies same slot.
 *
 * @example
 * groupBySlot([{ key: 'a:{u1}', ... }, { key: 'b:{ip9}', ... }, { key: 'c:{u1}', ... }], 'throttle:'); // [[0, 2], [1]]
 */
export function groupBySlot(rules: readonly ThrottleRule[], keyPrefix: string): number[][] | undefined {
  if (rules.length < 2) return undefined;
  const groups = new Map<string, number[]>();
  rules.forEach((rule, i) => {
    const tag = hashTag(keyPrefix + rule.key);
    const group = groups.get(tag);
    if (group) group.push(i);
    else groups.set(tag, [i]);
  });
  return groups.size === 1 ? undefined : [...groups.values()];
}
