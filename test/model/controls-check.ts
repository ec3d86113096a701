// Makes a step's `ThrottleService` call on the app under test and compares its answer with the model's.
import { ipIdentity, IdentityInput, ThrottleService } from 'nest-scoped-throttle';
import type { INestApplication } from '@nestjs/common';
import { CLIENTS, ModelConfig, ModelStep } from './model-config';
import type { CallResult } from './controls-model';

/** The identity a call names for the step's client, as the scope's key resolves it for that client's requests. */
function identityOf(config: ModelConfig, step: ModelStep): IdentityInput {
  const scope = config.scopes[step.call!.scope];
  const address = CLIENTS[step.client];
  if (scope.key === 'ip') return address;
  if (scope.key === 'header') return step.xClient !== undefined && step.xClient !== '' ? step.xClient : ipIdentity(address);
  if (scope.key === 'user') return step.userPlan !== undefined ? 'u' : ipIdentity(address);
  return step.xClient ?? 'anon';
}

/** The step's call on the app's ThrottleService (results without `scope`, which the call names). */
export async function makeCall(app: INestApplication, config: ModelConfig, step: ModelStep): Promise<CallResult> {
  const service = app.get(ThrottleService);
  const call = step.call!;
  const scope = config.scopes[call.scope].name;
  const identity = identityOf(config, step);
  const options = call.cost === undefined ? {} : { cost: call.cost };
  switch (call.kind) {
    case 'check':
    case 'consume': {
      const { scope: _scope, ...result } = await service[call.kind](scope, identity, options);
      return result;
    }
    case 'refund':
      return service.refund(scope, identity, options);
    case 'reset':
      await service.reset(scope, identity);
      return undefined;
    case 'block':
      return service.block(scope, identity, call.blockMs!);
  }
}

/** Throws the difference between the model's call result and the app's. */
export function compareCall(step: number, want: CallResult, got: CallResult): void {
  const round = (r: CallResult) => (typeof r === 'object' ? { ...r, resetMs: ms(r.resetMs), retryAfterMs: ms(r.retryAfterMs) } : r);
  const [w, g] = [JSON.stringify(round(want)), JSON.stringify(round(got))];
  if (w !== g) throw new Error(`step ${step} (ThrottleService call): ${g}, model ${w}`);
}

/** Milliseconds to the µs (GCRA states are in µs). */
const ms = (v: number) => Math.round(v * 1000) / 1000;
