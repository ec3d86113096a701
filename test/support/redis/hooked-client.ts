import type { Cluster } from 'ioredis';
import { RedisThrottleStorage } from 'nest-scoped-throttle';
import type { StoreTime } from '../../../libs/throttle/src/clock';

/** Test hooks on a cluster client (see {@link hooked}). */
export interface Hooks {
  /** Runs before each decision script call, with its keys; may hold the call. */
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
      if (prop === 'throttleDecide') {
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

/**
 * A Redis store on `client` whose script call on `key`'s slot group waits until `release` opens, once
 * `reached` has (to interleave a cross-slot request with others deterministically).
 *
 * @example
 * const { store, reached, release } = holdingAt(client, rule.key, clock.storeTime());
 */
export function holdingAt(client: Cluster, key: string, storeTime: StoreTime) {
  const reached = latch();
  const release = latch();
  const beforeScript = async (keys: string[]) => {
    if (!keys.includes(key)) return;
    reached.open();
    await release.promise;
  };
  return { store: new RedisThrottleStorage(hooked(client, { beforeScript }), { storeTime }), reached, release };
}
