// The reference model of the whole module (not only its store): which scopes a request skips, whose
// hooks throw, each scope's identity and rules (tiers, costs), shadow vs enforce, and what the client
// sees. The store part is the library's ReferenceModel: plain, obviously right, scanned in full.
import type { ThrottleRule } from 'nest-scoped-throttle';
import { ReferenceModel } from 'nest-scoped-throttle/testing';
import { ALLOWED_CLIENT, clientChosen, CLIENTS, ModelConfig, ModelRate, ModelScope, ModelStep } from './model-config';
import { DenyCacheModel, ModelDecision } from './deny-cache-model';
import { Expected, expectedResponse, ScopeOutcome, storeUnavailableBody } from './model-response';
import { CallResult, Decided, serviceCall, settle, withBlocks } from './controls-model';

/** A hook of the app threw: the request's 500. */
class HookThrew extends Error {}

/** One scope of a request: the rules that decide it and, for a sliding log, the logs it only records into. */
interface ScopeRules {
  readonly scope: ModelScope;
  /** The scope's own (or server tier's) rule first, then a client tier's. */
  readonly deciding: ThrottleRule[];
  readonly recorders: ThrottleRule[];
}

/** Never refuses: a recorder keeps a sliding-log window's history that this request is not decided under. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * The module as design.md and issue 17 define it, step by step on a fake clock.
 *
 * - Sliding log: one log per (scope, identity); a rule counts its own window of it. The model keeps one
 *   ReferenceModel log per window of the scope's rates (the scope's and its tiers'), each fed every
 *   admission, so moving between windows loses nothing ("trim by the longest, count by the rule's own").
 * - GCRA: one theoretical arrival time per (scope, identity), shared by the scope's own and server tiers' rates.
 * - A client-chosen tier (`header:`, `query:`) adds its rule to the scope's own, atomically (admitted only if both
 *   admit, consumed from both or neither), on a counter of its own per tier rate, fed by the requests
 *   that tier decides; a server-chosen one (`user:`, a function) replaces the scope's rate on its counter.
 * - Enforced scopes decide together (all or none); when they admit, each unskipped shadow scope records
 *   its own admission if its rules admit. Shadow scopes never refuse and never show in headers.
 */
export class ModuleModel {
  private readonly reference = new ReferenceModel();
  private readonly scopes: ReadonlyMap<string, ModelScope>;
  private readonly denyCache?: DenyCacheModel;

  /**
   * `store`: `memory`; `shared` (Redis or Cluster, behind the failure policy and its local deny cache); or
   * `down` (a shared store that never answers, under `onStoreError: 'deny'`); `cross-slot`: a Cluster
   * whose requests may span slots, where the deny cache remembers a refusal only as long as it is certain
   * (provisional admissions of other requests may be withdrawn): a refusal then answers as the cache or
   * as the store does.
   */
  constructor(
    private readonly config: ModelConfig,
    private readonly store: 'memory' | 'shared' | 'cross-slot' | 'down',
  ) {
    this.scopes = new Map(config.scopes.map((s) => [s.name, s]));
    if (store === 'shared' || store === 'cross-slot') this.denyCache = new DenyCacheModel();
  }

  /** What the app must answer to `step` at `now` (and the state it leaves behind). */
  respond(step: ModelStep, now: number): Expected {
    const route = this.config.routes[step.route];
    let planned: ScopeRules[];
    try {
      planned = route.scopes
        .map((name) => this.scopes.get(name)!)
        .filter((s) => !this.skips(s, step))
        .map((s) => this.rulesOf(s, step, route.cost ?? s.cost ?? 1));
    } catch (error) {
      if (error instanceof HookThrew) return { status: 500 };
      throw error;
    }
    const enforced = planned.filter((p) => !p.scope.shadow);
    const rules = enforced.flatMap((p) => [...p.deciding, ...p.recorders]);
    // deny: the enforced scopes cannot be decided, so the request is refused; shadow scopes refuse nothing.
    if (this.store === 'down' && rules.length > 0) return { status: 503, body: storeUnavailableBody() };
    const [decided, exact] = rules.length > 0 ? this.decide(rules, now) : [{ allowed: true, states: [] }];
    const blocking = this.blocking(enforced);
    const decision = withBlocks(this.reference, this.denyCache, blocking, decided, now);
    if (decision.allowed) settle(this.reference, blocking, step.status ?? 200, now);
    if (decision.allowed && this.store !== 'down') {
      for (const p of planned.filter((q) => q.scope.shadow)) this.reference.consume({ rules: [...p.deciding, ...p.recorders] }, now);
    }
    const expected = this.response(step, enforced, decision);
    return exact === undefined || this.store !== 'cross-slot' ? expected : { ...expected, or: this.response(step, enforced, exact) };
  }

  /** What the app's `ThrottleService` must answer to the step's call (issue 21). */
  call(step: ModelStep, now: number): CallResult {
    const call = step.call!;
    const scope = this.config.scopes[call.scope];
    // `block` takes no cost: the service blocks under the scope's own (seed 42: a deny cache entry under another cost).
    const cost = (call.kind === 'block' ? undefined : call.cost) ?? scope.cost ?? 1;
    const rule = this.rulesOf(scope, { ...step, boom: undefined, plan: undefined }, cost).deciding[0];
    return serviceCall(this.reference, this.denyCache, rule, call, now);
  }

  /** The enforced scopes' own rules and where their states are in the decision (blocks and counting act on them). */
  private blocking(enforced: readonly ScopeRules[]): Decided[] {
    let at = 0;
    return enforced.map((p) => {
      const d = { scope: p.scope, rule: p.deciding[0], at };
      at += p.deciding.length + p.recorders.length;
      return d;
    });
  }

  private response(step: ModelStep, enforced: readonly ScopeRules[], decision: ModelDecision): Expected {
    let at = 0;
    const outcomes: ScopeOutcome[] = enforced.map((p) => {
      const states = decision.states.slice(at, at + p.deciding.length);
      at += p.deciding.length + p.recorders.length;
      return { name: p.scope.name, rules: p.deciding, states };
    });
    return expectedResponse(this.config, step, decision.allowed, outcomes);
  }

  /**
   * The enforced scopes' decision: the deny cache's, when it knows a key full, else the store's. A cached
   * refusal must be one the store gives, and each cached key must reopen when the store says. (Not checked:
   * that the request's other keys reopen no later; the cache does not know them, see the report of issue 17.)
   */
  private decide(rules: ThrottleRule[], now: number): [ModelDecision, ModelDecision?] {
    const cached = this.denyCache?.check(rules, now);
    const exact = this.reference.consume({ rules }, now);
    if (cached === undefined) {
      this.denyCache?.remember(rules, exact, now);
      return [exact];
    }
    const early = cached.states.findIndex((s, i) => s.retryAfterMs > 0 && s.retryAfterMs < exact.states[i].retryAfterMs - 0.01);
    if (exact.allowed || early >= 0) {
      throw new Error(`contract: the deny cache refuses ${JSON.stringify(cached)} where the store says ${JSON.stringify(exact)}`);
    }
    return [cached, exact];
  }

  private skips(scope: ModelScope, step: ModelStep): boolean {
    if (scope.allow && CLIENTS[step.client] === ALLOWED_CLIENT) return true;
    if (!scope.skipIf) return false;
    if (step.boom === 'skipIf') throw new HookThrew();
    return step.skip?.includes(scope.name) ?? false;
  }

  private rulesOf(scope: ModelScope, step: ModelStep, cost: number): ScopeRules {
    const id = `${scope.name}|${this.identity(scope, step)}`;
    let own: ModelRate = scope.rate;
    let client: [string, ModelRate] | undefined; // a client-chosen tier: its name and rate
    const tier = scope.tier;
    if (tier !== undefined && clientChosen(tier.source) && step.plan !== undefined && Object.hasOwn(tier.tiers, step.plan)) {
      client = [step.plan, tier.tiers[step.plan]];
    } else if (tier !== undefined && !clientChosen(tier.source)) {
      if (tier.source === 'function' && step.boom === 'tier') throw new HookThrew();
      if (step.userPlan !== undefined && Object.hasOwn(tier.tiers, step.userPlan)) own = tier.tiers[step.userPlan];
    }
    const rule = (rate: ModelRate, key: string): ThrottleRule => ({
      key,
      limit: rate.limit,
      windowMs: rate.windowMs,
      algorithm: scope.algorithm,
      cost,
      burst: scope.algorithm === 'gcra' ? (scope.burst ?? rate.limit) : undefined,
    });
    // A client tier's rate counts on a counter of its own (one per rate), fed by the requests it decides.
    const tierRule = client && rule(client[1], `${id}#${client[1].limit}/${client[1].windowMs}@${client[1].windowMs}`);
    // Only the sliding log retains history: it keeps a key's admissions for the longest window.
    if (scope.algorithm !== 'sliding-log')
      return { scope, deciding: tierRule ? [rule(own, id), tierRule] : [rule(own, id)], recorders: [] };
    const serverTiers = tier !== undefined && !clientChosen(tier.source) ? Object.values(tier.tiers) : [];
    const windows = new Set([scope.rate, ...serverTiers].map((r) => r.windowMs));
    const recorders = [...windows].filter((w) => w !== own.windowMs).map((w) => rule({ limit: UNBOUNDED, windowMs: w }, `${id}@${w}`));
    const deciding = [rule(own, `${id}@${own.windowMs}`), ...(tierRule ? [tierRule] : [])];
    return { scope, deciding, recorders };
  }

  /** The identity the scope's key gives the request (a missing header falls back to the IP). */
  private identity(scope: ModelScope, step: ModelStep): string {
    const ip = `ip:${CLIENTS[step.client]}`;
    if (scope.key === 'user') return step.userPlan !== undefined ? 'u:u' : ip;
    if (scope.key === 'header') return step.xClient !== undefined && step.xClient !== '' ? `h:${step.xClient}` : ip;
    if (scope.key === 'function') {
      if (step.boom === 'key') throw new HookThrew();
      return `f:${step.xClient ?? 'anon'}`;
    }
    return ip;
  }
}
