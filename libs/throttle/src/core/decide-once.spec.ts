import type { ExecutionContext } from '@nestjs/common';
import { decideOnce } from './decide-once';
import type { RoutePlan, RoutePlans } from './route-plans';
import type { Verdict } from './decider';

const plan = {} as RoutePlan;
const routesWith = (found: RoutePlan | null) => ({ planFor: () => found }) as unknown as RoutePlans;
const contextOf = (args: unknown[]) =>
  ({ getHandler: () => () => undefined, getClass: () => class {}, getArgs: () => args }) as unknown as ExecutionContext;

describe('decideOnce (the seam of the GraphQL and WebSocket contexts)', () => {
  const refuse = (v: Verdict): boolean => {
    if (v === undefined) return true;
    throw new Error(`refused ${v.status}`);
  };

  it('decides a throttled call once, even when the guard runs twice on it', () => {
    const decided = new WeakSet<object>();
    const call = contextOf(['args']);
    const decide = jest.fn((): Verdict => undefined);
    expect(decideOnce(decided, routesWith(plan), call, decide, refuse)).toBe(true);
    expect(decideOnce(decided, routesWith(plan), call, decide, refuse)).toBe(true);
    expect(decide).toHaveBeenCalledTimes(1);
    expect(decide).toHaveBeenCalledWith(plan);
  });

  it('passes a call without a route plan without deciding it', () => {
    const decide = jest.fn((): Verdict => ({ status: 503 }));
    expect(decideOnce(new WeakSet(), routesWith(null), contextOf([]), decide, refuse)).toBe(true);
    expect(decide).not.toHaveBeenCalled();
  });

  it('hands a refusal to admit, synchronously or once the store answers', async () => {
    const refused = (): Verdict => ({ status: 503 });
    expect(() => decideOnce(new WeakSet(), routesWith(plan), contextOf([1]), refused, refuse)).toThrow('refused 503');
    const later = decideOnce(new WeakSet(), routesWith(plan), contextOf([2]), async () => refused(), refuse);
    await expect(later).rejects.toThrow('refused 503');
  });
});
