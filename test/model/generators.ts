// fast-check arbitraries of the model suite: module configs (1-4 scopes per route, sliding log, GCRA and fixed window,
// costs, client- and server-chosen tiers with other windows, shadow and enforce, allow lists, skipIf,
// refusal shapes) and request sequences from several clients on a fake clock.
import fc from 'fast-check';
import type { ThrottleAlgorithm } from 'nest-scoped-throttle';
import {
  capacity,
  clientChosen,
  HeaderMode,
  Hook,
  maxCost,
  ModelCase,
  ModelConfig,
  ModelRate,
  ModelRoute,
  ModelScope,
  ModelStep,
  TierSource,
} from './model-config';

const NAMES = ['s0', 's1', 's2', 's3'];
const WINDOWS_MS = [1_000, 2_000, 3_000, 10_000, 60_000];
const TIER_NAMES = ['a', 'b'];

const rateArb: fc.Arbitrary<ModelRate> = fc.record({ limit: fc.integer({ min: 1, max: 5 }), windowMs: fc.constantFrom(...WINDOWS_MS) });

/** Whether `rate` gives more than `base` (a higher limit, a faster rate, a larger burst): a client-chosen tier may not. */
function isAbove(scope: Pick<ModelScope, 'algorithm' | 'burst'>, rate: ModelRate, base: ModelRate): boolean {
  return (
    rate.limit > base.limit || rate.limit * base.windowMs > base.limit * rate.windowMs || capacity(scope, rate) > capacity(scope, base)
  );
}

/** True one time in four; shrinks to false. */
const sometimes = fc.nat(3).map((n) => n === 3);

const scopeArb = (name: string): fc.Arbitrary<ModelScope> =>
  fc
    .record({
      rate: rateArb,
      algorithm: fc.constantFrom<ThrottleAlgorithm>('sliding-log', 'gcra', 'fixed-window'),
      burst: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined, freq: 3 }),
      cost: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 2 }),
      shadow: sometimes,
      key: fc.constantFrom<ModelScope['key']>('ip', 'header', 'user', 'function'),
      tier: fc.option(
        fc.record({
          source: fc.constantFrom<TierSource>('header', 'query', 'user', 'function'),
          rates: fc.array(rateArb, { minLength: 1, maxLength: 2 }),
        }),
        { nil: undefined, freq: 2 },
      ),
      allow: sometimes,
      skipIf: sometimes,
    })
    .map(({ tier, burst, cost, ...rest }) => {
      const base = { ...rest, name, burst: rest.algorithm === 'gcra' ? burst : undefined };
      let tiers: Record<string, ModelRate> | undefined;
      if (tier !== undefined) {
        const kept = tier.rates.filter((r) => !clientChosen(tier.source) || !isAbove(base, r, base.rate));
        tiers = Object.fromEntries(kept.map((r, i) => [TIER_NAMES[i], r]));
      }
      const scope: ModelScope = { ...base, tier: tiers && Object.keys(tiers).length > 0 ? { source: tier!.source, tiers } : undefined };
      return cost === undefined ? scope : { ...scope, cost: Math.min(cost, maxCost(scope)) };
    });

const routeArb = (scopes: readonly ModelScope[]): fc.Arbitrary<ModelRoute> =>
  fc
    .record({
      scopes: fc.shuffledSubarray([...scopes], { minLength: 1 }),
      cost: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 3 }),
    })
    .map(({ scopes: picked, cost }) => ({
      scopes: picked.map((s) => s.name),
      cost: cost === undefined ? undefined : Math.min(cost, ...picked.map(maxCost)),
    }));

/** A module config: 1-4 scopes, 1-3 routes over them, a refusal shape. */
export const configArb: fc.Arbitrary<ModelConfig> = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.tuple(...NAMES.slice(0, n).map(scopeArb)).chain((scopes) =>
    fc.record({
      scopes: fc.constant(scopes),
      routes: fc.array(routeArb(scopes), { minLength: 1, maxLength: 3 }),
      onThrottled: fc.constantFrom<ModelConfig['onThrottled']>('default', 'problem', 'custom'),
      headers: fc.option(fc.constantFrom<HeaderMode>('both', 'ietf', 'legacy', 'none'), { nil: undefined, freq: 2 }),
    }),
  ),
);

/** Clock steps: often none (a burst), often a window's edge (±1 ms), sometimes anything up to 4 s. */
const advanceArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 4 },
  { arbitrary: fc.constantFrom(1, 499, 999, 1_000, 1_001, 1_999, 2_000, 3_000, 9_999, 10_000, 30_000, 60_000), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 4_000 }), weight: 2 },
);

/** Present most of the time; shrinks to absent. */
const mostly = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 4 });

const stepArb: fc.Arbitrary<ModelStep> = fc.record({
  advanceMs: advanceArb,
  route: fc.nat(2),
  client: fc.nat(2),
  xClient: mostly(fc.constantFrom('k1', 'k2')),
  plan: mostly(fc.constantFrom(...TIER_NAMES, 'zz')),
  userPlan: mostly(fc.constantFrom(...TIER_NAMES, 'zz')),
  skip: mostly(fc.subarray(NAMES, { minLength: 1 })),
  // A hook throws on about one request in eight: the rest of the sequence decides.
  boom: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 7 },
    { arbitrary: fc.constantFrom<Hook>('skipIf', 'key', 'tier', 'onThrottled'), weight: 1 },
  ),
});

/**
 * A config and up to `maxSteps` requests to it (route indexes folded onto the config's routes).
 * `oneIdentity`: every scope keyed like the first, so a request's keys share one Cluster slot.
 */
export function caseArb(maxSteps: number, oneIdentity = false): fc.Arbitrary<ModelCase> {
  return fc
    .record({ config: configArb, steps: fc.array(stepArb, { minLength: 1, maxLength: maxSteps, size: 'max' }) })
    .map(({ config, steps }) => ({
      config: oneIdentity ? { ...config, scopes: config.scopes.map((s) => ({ ...s, key: config.scopes[0].key })) } : config,
      steps: steps.map((s) => ({ ...s, route: s.route % config.routes.length })),
    }));
}
