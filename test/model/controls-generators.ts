// Generators of issue 21's controls for the model suite: configs whose scopes block (`blockFor`, sliding
// log only) and count by outcome (`count`, or `countIf` naming the statuses that count), requests whose
// handler answers a status they choose, and `ThrottleService` calls (check, consume, refund, reset,
// block) interleaved with the requests.
import fc from 'fast-check';
import { caseArb } from './generators';
import { maxCost, ModelCase, ModelScope, ModelStep, ServiceCall } from './model-config';

const BLOCKS_MS = [500, 1_000, 3_000, 15_000, 60_000];
const STATUSES = [200, 201, 302, 400, 401, 429, 500];

/** A scope with controls: no tiers (a call and a refund act on the scope's own counter), maybe `blockFor` and `count`. */
const controlled = (scope: ModelScope, controls: Controls): ModelScope => {
  const { tier: _tier, ...rest } = scope;
  const plain: ModelScope = { ...rest };
  const base = plain.cost === undefined ? plain : { ...plain, cost: Math.min(plain.cost, maxCost(plain)) };
  const blockMs = scope.algorithm === 'sliding-log' ? controls.blockMs : undefined;
  // `count` or `countIf` (the statuses that count), never both.
  const counting = controls.countIf !== undefined ? { countIf: controls.countIf } : { count: controls.count };
  return { ...base, blockMs, ...counting };
};

const controlsArb = fc.record({
  blockMs: fc.option(fc.constantFrom(...BLOCKS_MS), { nil: undefined, freq: 2 }),
  count: fc.option(fc.constantFrom<NonNullable<ModelScope['count']>>('all', 'failures', 'successes'), { nil: undefined, freq: 3 }),
  // About one scope in three counts by `countIf` instead of `count`.
  countIf: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.subarray(STATUSES), weight: 1 }),
});
type Controls = { blockMs?: number; count?: ModelScope['count']; countIf?: number[] };

const callArb: fc.Arbitrary<ServiceCall> = fc.record({
  kind: fc.constantFrom<ServiceCall['kind']>('check', 'consume', 'refund', 'reset', 'block'),
  scope: fc.nat(3),
  cost: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 2 }),
  blockMs: fc.constantFrom(...BLOCKS_MS),
});

const extraArb = fc.record({
  status: fc.option(fc.constantFrom(...STATUSES), { nil: undefined, freq: 2 }),
  // About one step in four is a ThrottleService call instead of a request.
  call: fc.option(callArb, { nil: undefined, freq: 3 }),
});

/** A call folded onto the config: an existing scope, a cost it holds, `block` only on a sliding log (else `check`). */
function fold(call: ServiceCall, scopes: readonly ModelScope[]): ServiceCall {
  const scope = scopes[call.scope % scopes.length];
  const cost = call.cost === undefined ? undefined : Math.min(call.cost, maxCost(scope));
  const kind = call.kind === 'block' && scope.algorithm !== 'sliding-log' ? 'check' : call.kind;
  return { ...call, kind, scope: call.scope % scopes.length, cost };
}

/** Cases of {@link caseArb} with issue 21's controls on their scopes, statuses and service calls in their steps. */
export function controlsCaseArb(maxSteps: number, oneIdentity = false): fc.Arbitrary<ModelCase> {
  return caseArb(maxSteps, oneIdentity).chain((c) =>
    fc
      .record({
        controls: fc.array(controlsArb, { minLength: c.config.scopes.length, maxLength: c.config.scopes.length }),
        extras: fc.array(extraArb, { minLength: c.steps.length, maxLength: c.steps.length }),
      })
      .map(({ controls, extras }) => {
        const scopes = c.config.scopes.map((s, i) => controlled(s, controls[i]));
        // Not on shadow scopes: a request of shadow scopes only may be recorded after its response (seed 999303074).
        const calls = extras.map((e) => (e.call && !scopes[e.call.scope % scopes.length].shadow ? fold(e.call, scopes) : undefined));
        const steps: ModelStep[] = c.steps.map((s, i) => ({ ...s, status: extras[i].status, call: calls[i] }));
        return { config: { ...c.config, scopes }, steps };
      }),
  );
}
