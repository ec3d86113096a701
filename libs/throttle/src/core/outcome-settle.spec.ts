import { EventEmitter } from 'node:events';
import type { CompiledScope } from '../options/compile-scope';
import type { ThrottleRule, ThrottleStorage } from '../storage/throttle-storage';
import { OutcomeSettler } from './outcome-settle';

/** A scope that counts failures only, and its rule. */
const failuresOnly = { name: 'login', shadow: false, countIf: (status: number) => status >= 400 } as unknown as CompiledScope;
const rule: ThrottleRule = { key: 'login:{ip}', limit: 5, windowMs: 60_000, scope: 'login' };

/** A Node response as the settler sees it: `finish`, `close`, its status. */
class FakeResponse extends EventEmitter {
  writableFinished = false;
  constructor(readonly statusCode: number) {
    super();
  }
  finish(): void {
    this.writableFinished = true;
    this.emit('finish');
    this.emit('close');
  }
}

/** A store whose refunds answer when the test says. */
function storeWithPendingRefunds() {
  const answers: (() => void)[] = [];
  const refund = jest.fn(() => new Promise<number[]>((resolve) => answers.push(() => resolve([1]))));
  return { storage: { refund } as unknown as ThrottleStorage, refund, answerAll: () => answers.splice(0).forEach((a) => a()) };
}

/** Whether `promise` has resolved once every pending callback (microtasks, I/O already done) has run. */
async function resolvedYet(promise: Promise<unknown>): Promise<boolean> {
  let resolved = false;
  void promise.then(() => (resolved = true));
  await new Promise((turn) => setImmediate(turn));
  return resolved;
}

describe('OutcomeSettler.idle (issue 21: the refund of an uncounted response comes after the client may read it)', () => {
  it('waits for the response to finish, then for its refund to be answered', async () => {
    const { storage, refund, answerAll } = storeWithPendingRefunds();
    const settler = new OutcomeSettler(storage);
    const response = new FakeResponse(200);
    settler.settleAfter(response, undefined, [failuresOnly], [rule]);

    const idle = settler.idle();
    expect(await resolvedYet(idle)).toBe(false); // not finished yet: its refund is not even sent
    response.finish();
    expect(refund).toHaveBeenCalledWith({ rules: [rule] });
    expect(await resolvedYet(idle)).toBe(false); // sent, not answered
    answerAll();
    expect(await resolvedYet(idle)).toBe(true);
  });

  it('is idle at once after a response that counts (no refund) and after one closed before it finished', async () => {
    const { storage, refund } = storeWithPendingRefunds();
    const settler = new OutcomeSettler(storage);
    const counted = new FakeResponse(401);
    const aborted = new FakeResponse(200);
    settler.settleAfter(counted, undefined, [failuresOnly], [rule]);
    settler.settleAfter(aborted, undefined, [failuresOnly], [rule]);
    counted.finish();
    aborted.emit('close'); // the client went away: the request counts
    expect(await resolvedYet(settler.idle())).toBe(true);
    expect(refund).not.toHaveBeenCalled();
  });

  it('also waits for responses admitted while it waits', async () => {
    const { storage, answerAll } = storeWithPendingRefunds();
    const settler = new OutcomeSettler(storage);
    const first = new FakeResponse(200);
    settler.settleAfter(first, undefined, [failuresOnly], [rule]);
    const idle = settler.idle();
    const second = new FakeResponse(200);
    settler.settleAfter(second, undefined, [failuresOnly], [rule]);
    first.finish();
    answerAll();
    expect(await resolvedYet(idle)).toBe(false); // the second response has not finished
    second.finish();
    answerAll();
    expect(await resolvedYet(idle)).toBe(true);
  });
});
