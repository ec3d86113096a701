import type { Cluster } from 'ioredis';

/** Test hooks on a cluster client (see {@link hooked}). */
export interface Hooks {
  /** Runs before each sliding-log script call, with its keys; may hold the call. */
  beforeScript?(keys: string[]): Promise<void>;
  /** Every other command naming this key rejects, as on a dropped connection. */
  failKey?: string;
}

/**
 * The cluster client as a store sees it, with {@link Hooks}; everything else goes to the real client.
 * Makes the interleavings of the cross-slot path deterministic.
 *
 * @example
 * const store = new RedisThrottleStorage(hooked(client, { failKey: rule.key }), { storeTime });
 */
export function hooked(client: Cluster, hooks: Hooks): Cluster {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const real = (...args: unknown[]): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
      if (prop === 'throttleSlidingLog') {
        return async (numKeys: number, ...args: unknown[]) => {
          await hooks.beforeScript?.(args.slice(0, numKeys) as string[]);
          return real(numKeys, ...args);
        };
      }
      if (hooks.failKey === undefined || prop === 'defineCommand') return real;
      return (...args: unknown[]) =>
        args.includes(hooks.failKey) ? Promise.reject(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })) : real(...args);
    },
  });
}

/** A promise and the function that resolves it. */
export function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
