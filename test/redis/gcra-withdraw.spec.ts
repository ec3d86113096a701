import fc from 'fast-check';
import { Redis } from 'ioredis';
import { DECIDE_COMMAND, DECIDE_SCRIPT } from '../../libs/throttle/src/redis/decide.script';
import { WITHDRAW_COMMAND, WITHDRAW_SCRIPT } from '../../libs/throttle/src/redis/withdraw.script';
import { describeRedis, filePrefix, useRedis } from '../support/redis/harness';

// The GCRA withdrawal (withdraw.script.ts) against a replay of the history without the withdrawn
// admissions, driving the two scripts directly with explicit times: any interleaving of admissions,
// provisional admissions and withdrawals leaves the key at or ahead of the truth (never over-admits),
// and exactly at it when each withdrawal runs at its admission's instant.
const keyPrefix = filePrefix('gcra-withdraw');
const T = 100_000; // µs: 10 per second
const T0 = 1_700_000_000_000_000;

type Op = { kind: 'admit'; gapUs: number; cost: number; provisional: boolean } | { kind: 'withdraw'; gapUs: number; pick: number };

describeRedis('GCRA withdrawal: never below the truth', () => {
  let client: Redis;
  useRedis(keyPrefix, (started) => {
    client = started;
    started.defineCommand(DECIDE_COMMAND, { lua: DECIDE_SCRIPT });
    started.defineCommand(WITHDRAW_COMMAND, { lua: WITHDRAW_SCRIPT });
  });

  let run = 0;
  /** Plays `ops` on a fresh key; returns the key's effective tat and the truth's, at the end. */
  async function play(ops: Op[], immediate: boolean): Promise<[number, number]> {
    const key = `w${run++}:{x}`;
    let now = T0;
    const admitted: { at: number; cost: number; pending: boolean; withdrawn: boolean }[] = [];
    for (const op of ops) {
      now += op.gapUs;
      if (op.kind === 'admit') {
        const mode = op.provisional ? '2' : '1';
        const reply = await client.throttleDecide(
          1,
          key,
          String(now),
          `s${admitted.length}`,
          600_000,
          mode,
          10,
          1_000,
          'gcra',
          op.cost,
          1_000,
        );
        expect(reply[0]).toBe(1);
        admitted.push({ at: now, cost: op.cost, pending: op.provisional, withdrawn: false });
        if (!(immediate && op.provisional)) continue;
      }
      const pending = admitted.filter((a) => a.pending);
      if (pending.length === 0) continue;
      const target = immediate ? pending[pending.length - 1] : pending[op.kind === 'withdraw' ? op.pick % pending.length : 0];
      target.pending = false;
      target.withdrawn = true;
      await client.throttleWithdraw(1, key, String(now), `p${target.at}:x`, String(target.at), 600_000, 'gcra', target.cost * T, T);
    }
    let truth = -Infinity;
    for (const a of admitted) if (!a.withdrawn) truth = Math.max(truth, a.at) + a.cost * T;
    const value = await client.get(key);
    const tat = value === null ? -Infinity : Number(value.split(':')[0]);
    return [Math.max(tat, now), Math.max(truth, now)];
  }

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('admit' as const),
      gapUs: fc.integer({ min: 0, max: 3 * T }),
      cost: fc.integer({ min: 1, max: 3 }),
      provisional: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('withdraw' as const), gapUs: fc.integer({ min: 0, max: 3 * T }), pick: fc.nat() }),
  );

  it('leaves the key at or ahead of the history without the withdrawn admissions, whatever came between (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        const [key, truth] = await play(ops, false);
        expect(key).toBeGreaterThanOrEqual(truth);
      }),
      { numRuns: 300 },
    );
  });

  it('is exact when each withdrawal runs at its admission’s instant (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        const [key, truth] = await play(ops, true);
        expect(key).toBe(truth);
      }),
      { numRuns: 200 },
    );
  });
});
