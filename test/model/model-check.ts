// Runs generated cases against the real app and the model, and turns a failed property into a report
// with a replayable seed.
import fc from 'fast-check';
import { ThrottleStorage } from 'nest-scoped-throttle';
import { ThrottleDecider } from '../../libs/throttle/src/core/decider';
import type { HttpResponse, Platform } from '../support/apps/platforms';
import { startModelApp, StoreSpec } from './model-app';
import { CLIENTS, ModelCase, stepHeaders } from './model-config';
import { COMPARED_HEADERS, Expected } from './model-response';
import { ModuleModel } from './module-model';
import { compareCall, makeCall } from './controls-check';

/** The longest a request may take: a hook that stops the response (or the process) shows as a timeout, not a hang. */
const ANSWER_TIMEOUT_MS = 5_000;

let runs = 0;

/** Sends every step of `c` to a fresh app of its config and checks each response against the model. */
export async function checkCase(c: ModelCase, platform: Platform, store: StoreSpec): Promise<void> {
  const keyPrefix = `model-${process.pid}-${++runs}:`; // a Redis run never reads another run's keys
  const app = await startModelApp(c.config, platform, store, keyPrefix);
  const model = new ModuleModel(c.config, modelStore(c, store));
  // The model refunds an uncounted response's unit at once; the app after the response's `finish`, which
  // the client may see first (issue 21, seed 42 cluster): each step waits until those refunds are done.
  const outcomes = app.app.get(ThrottleDecider).outcomes;
  try {
    for (const [i, step] of c.steps.entries()) {
      if (outcomes !== undefined) await within(outcomes.idle(), `step ${i}: the refunds of earlier responses`);
      app.clock.advance(step.advanceMs);
      if (step.call !== undefined) {
        compareCall(i, model.call(step, app.clock.now()), await within(makeCall(app.app, c.config, step), `step ${i}`));
        continue;
      }
      const query = [step.plan === undefined ? '' : `plan=${step.plan}`, step.status === undefined ? '' : `status=${step.status}`];
      const path = `/r${step.route}${query.some((q) => q) ? `?${query.filter((q) => q).join('&')}` : ''}`;
      const got = await within(app.get(path, stepHeaders(step), CLIENTS[step.client]), `step ${i}`);
      compare(i, model.respond(step, app.clock.now()), got);
    }
    if (store.kind === 'redis' || store.kind === 'cluster') expectDecidedByTheStore(app.app.get(ThrottleStorage));
  } finally {
    await within(app.close(), 'closing the app'); // a request left unanswered keeps a Fastify server open
  }
}

/** A shared store that fell back to local limits would pass for the memory store: every decision must be Redis's (or its deny cache's). */
function expectDecidedByTheStore(storage: ThrottleStorage): void {
  const stats = (storage as { stats?: () => { policyDecisions: number; storeErrors: number } }).stats?.();
  if (stats === undefined) throw new Error(`the app's store is not the shared store's failure policy: ${storage.constructor.name}`);
  if (stats.policyDecisions > 0 || stats.storeErrors > 0) {
    throw new Error(
      `the shared store failed (${stats.storeErrors} errors): ${stats.policyDecisions} decisions by onStoreError, not by Redis`,
    );
  }
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The model's view of the store: a Cluster whose requests may span slots (scopes keyed differently) is `cross-slot`. */
function modelStore(c: ModelCase, store: StoreSpec): ConstructorParameters<typeof ModuleModel>[1] {
  if (store.kind === 'memory' || store.kind === 'down') return store.kind;
  return store.kind === 'cluster' && new Set(c.config.scopes.map((s) => s.key)).size > 1 ? 'cross-slot' : 'shared';
}

/** Throws a readable difference between what the model expects (or its alternative) and what the app answered. */
export function compare(step: number, want: Expected, got: HttpResponse): void {
  const diffs = differences(want, got);
  if (diffs.length > 0 && (want.or === undefined || differences(want.or, got).length > 0))
    throw new Error(`step ${step}: ${diffs.join('; ')}`);
}

function differences(want: Expected, got: HttpResponse): string[] {
  const diffs: string[] = [];
  if (got.status !== want.status) diffs.push(`status ${got.status}, model ${want.status}`);
  if (want.headers !== undefined) {
    for (const name of COMPARED_HEADERS) {
      if (got.headers[name] !== want.headers[name]) diffs.push(`${name}: ${show(got.headers[name])}, model ${show(want.headers[name])}`);
    }
  }
  if (want.body !== undefined && JSON.stringify(got.body) !== JSON.stringify(want.body)) {
    diffs.push(`body ${JSON.stringify(got.body)}, model ${JSON.stringify(want.body)}`);
  }
  return diffs;
}

const show = (v: string | undefined) => (v === undefined ? '(none)' : JSON.stringify(v));

/**
 * How long a property runs: `runsInNpmTest` in `npm test`; `MODEL_RUNS` runs, or `MODEL_SCALE` times
 * the bounded count (`npm run test:model -- --runs N | --scale K`); `MODEL_SEED`/`MODEL_PATH` replay one failure.
 */
export function modelParameters(runsInNpmTest: number): fc.Parameters<[ModelCase]> {
  const runs = Number(process.env.MODEL_RUNS ?? 0);
  const scale = Number(process.env.MODEL_SCALE ?? 0);
  const numRuns = runs > 0 ? runs : scale > 0 ? Math.max(1, Math.round(scale * runsInNpmTest)) : runsInNpmTest;
  const params: fc.Parameters<[ModelCase]> = { numRuns };
  if (process.env.MODEL_SEED !== undefined) params.seed = Number(process.env.MODEL_SEED);
  if (process.env.MODEL_PATH !== undefined) params.path = process.env.MODEL_PATH;
  return params;
}

/**
 * Runs `property` and, on a counterexample, fails with the shrunk case, the app's first difference from
 * the model, and the command that replays it.
 */
export async function assertModel(
  label: string,
  property: fc.IAsyncProperty<[ModelCase]>,
  params: fc.Parameters<[ModelCase]>,
): Promise<void> {
  const details = await fc.check(property, params);
  if (!details.failed) return;
  const replay = `npm run test:model -- --seed ${details.seed} --path ${details.counterexamplePath} -t '${label}'`;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `model counterexample (${label}), shrunk ${details.numShrinks} times:\n${error}\n` +
      `case: ${JSON.stringify(details.counterexample?.[0])}\nreplay: ${replay}`,
  );
}
