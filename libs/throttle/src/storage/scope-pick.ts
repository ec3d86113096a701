import type { ThrottleDecision } from './throttle-storage';

/** Index of the scope a refused decision names (in the 429 and the X- headers): the one that frees up last. */
export function refusedScope(decision: ThrottleDecision): number {
  let refused = 0;
  for (let i = 1; i < decision.states.length; i++) {
    if (decision.states[i].retryAfterMs > decision.states[refused].retryAfterMs) refused = i;
  }
  return refused;
}

/** Index of the scope the X-RateLimit-* headers describe: the refused one, else the one with the least left. */
export function mostRestrictive(decision: ThrottleDecision): number {
  if (!decision.allowed) return refusedScope(decision);
  const states = decision.states;
  let best = 0;
  for (let i = 1; i < states.length; i++) {
    const a = states[i];
    const b = states[best];
    if (a.remaining < b.remaining || (a.remaining === b.remaining && a.resetMs > b.resetMs)) best = i;
  }
  return best;
}
