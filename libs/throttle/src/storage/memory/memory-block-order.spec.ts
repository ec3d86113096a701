import { FakeClock, ReferenceModel } from '../../testing';
import type { ThrottleRule } from '../throttle-storage';
import { MemoryThrottleStorage } from './memory.storage';

// Found by the model suite (test/model/model-controls.spec.ts, seed -1993682427): a block writes its
// entries in the future; a request admitted during the block (then: after a refund; now that a refund
// never lifts a block, under a higher limit on the same key: a tier) had its admission time appended
// after those future entries, leaving the log out of order (wrong reset, then wrong counts).
describe('MemoryThrottleStorage: an admission during a block', () => {
  const blocked: ThrottleRule = { key: 's:{u}', limit: 4, windowMs: 10_000, algorithm: 'sliding-log' };

  it('keeps the log in time order: reset and later counts agree with the ReferenceModel', async () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({}, clock);
    const model = new ReferenceModel();
    const higher: ThrottleRule = { ...blocked, limit: 5 }; // a tier above the blocked limit: blocked only up to 4
    clock.advance(2_000);
    expect(await storage.block({ rules: [blocked] }, 60_000)).toEqual(model.block({ rules: [blocked] }, 60_000, clock.now()));
    clock.advance(17_000); // admitted: 4 block entries at 52 s, and this one
    expect(await storage.consume({ rules: [higher] })).toEqual(model.consume({ rules: [higher] }, clock.now()));
    clock.advance(11_000); // this request's entry left the window: admitted again
    const got = await storage.consume({ rules: [higher] });
    expect(got).toEqual(model.consume({ rules: [higher] }, clock.now()));
    expect(got.allowed).toBe(true);
  });

  it('a refund during the block takes nothing of it: the client stays refused until the block ends', async () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({}, clock);
    const model = new ReferenceModel();
    clock.advance(2_000);
    expect(await storage.block({ rules: [blocked] }, 60_000)).toEqual(model.block({ rules: [blocked] }, 60_000, clock.now()));
    clock.advance(15_000);
    expect(await storage.refund({ rules: [blocked] })).toEqual([0]);
    expect(model.refund({ rules: [blocked] }, clock.now())).toEqual([0]);
    const refused = await storage.consume({ rules: [blocked] });
    expect(refused).toEqual(model.consume({ rules: [blocked] }, clock.now()));
    expect(refused.states[0].retryAfterMs).toBe(45_000);
    clock.advance(45_000);
    expect((await storage.consume({ rules: [blocked] })).allowed).toBe(true);
  });
});
