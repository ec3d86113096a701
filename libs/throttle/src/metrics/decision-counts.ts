/** What a scope's decision came to, as the metrics label it. */
export type DecisionResult = 'allowed' | 'throttled' | 'shadow_throttled' | 'skipped';

/** Every {@link DecisionResult}, in the order {@link DecisionCounts} keeps its counts. */
export const DECISION_RESULTS: readonly DecisionResult[] = ['allowed', 'throttled', 'shadow_throttled', 'skipped'];

/**
 * Decisions counted as plain numbers on the hot path: per scope, one count per result, in
 * {@link DECISION_RESULTS} order. A metrics backend reads them at scrape or export time (Prometheus
 * drains them into its counter, OpenTelemetry observes them as cumulative sums).
 *
 * @example
 * const counts = new DecisionCounts();
 * counts.countDecision([{ name: 'hi' }], true);
 * counts.byScope.get('hi'); // [1, 0, 0, 0]
 */
export class DecisionCounts {
  readonly byScope = new Map<string, number[]>();

  /** Counts one decision under each of its scopes. */
  countDecision(scopes: readonly { readonly name: string }[], allowed: boolean): void {
    const result = allowed ? 0 : 1;
    for (let i = 0; i < scopes.length; i++) this.of(scopes[i].name)[result]++;
  }

  /** Counts one scope's result: `shadow_throttled` (shadow mode would have refused) and `skipped` (allow list, skipIf) included. */
  countResult(scope: string, result: DecisionResult): void {
    this.of(scope)[DECISION_RESULTS.indexOf(result)]++;
  }

  private of(scope: string): number[] {
    let counts = this.byScope.get(scope);
    if (counts === undefined) this.byScope.set(scope, (counts = DECISION_RESULTS.map(() => 0)));
    return counts;
  }
}

/** What counts one scope's result: the Prometheus and OpenTelemetry metrics each are one. */
export interface ResultCounter {
  countResult(scope: string, result: DecisionResult): void;
}

/**
 * One result counter for every metrics backend the module has (undefined, the one, or a fan-out).
 *
 * @example
 * resultCounters(prometheus, otel)?.countResult('export', 'throttled');
 */
export function resultCounters(...counters: (ResultCounter | undefined)[]): ResultCounter | undefined {
  const present = counters.filter((c): c is ResultCounter => c !== undefined);
  if (present.length <= 1) return present[0];
  return { countResult: (scope, result) => present.forEach((c) => c.countResult(scope, result)) };
}
