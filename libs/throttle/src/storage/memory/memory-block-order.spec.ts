import { FakeClock, ReferenceModel } from '../../testing';
import type { ThrottleRule } from '../throttle-storage';
import { MemoryThrottleStorage } from './memory.storage';

// Found by the model suite (test/model/model-controls.spec.ts, seed -1993682427): a block writes its
// entries in the future; a refund then lets a request in during the block, and its admission time was
// appended after those future entries, leaving the log out of order (wrong reset, then wrong counts).
describe('MemoryThrottleStorage: an admission during a partly refunded block', () => {
  it('keeps the log in time order: reset and later counts agree with the ReferenceModel', async () => {
    const clock = new FakeClock();
    const storage = new MemoryThrottleStorage({}, clock);
    const model = new ReferenceModel();
    const rule: ThrottleRule = { key: 's:{u}', limit: 4, windowMs: 10_000, algorithm: 'sliding-log' };
    clock.advance(2_000);
    expect(await storage.block({ rules: [rule] }, 60_000)).toEqual(model.block({ rules: [rule] }, 60_000, clock.now()));
    clock.advance(15_000);
    expect(await storage.refund({ rules: [rule] })).toEqual(model.refund({ rules: [rule] }, clock.now()));
    clock.advance(2_000); // admitted: 3 block entries at 52 s, and this one
    expect(await storage.consume({ rules: [rule] })).toEqual(model.consume({ rules: [rule] }, clock.now()));
    clock.advance(11_000); // this request's entry left the window: admitted again
    const got = await storage.consume({ rules: [rule] });
    expect(got).toEqual(model.consume({ rules: [rule] }, clock.now()));
    expect(got.allowed).toBe(true);
  });
});
