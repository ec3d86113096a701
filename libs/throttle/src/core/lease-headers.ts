import type { HeaderMode } from '../options/throttle-options';
import { leasePolicyItem, LeaseScope } from '../concurrency/lease-options';
import type { LeaseAnswer } from '../concurrency/lease-store';

/**
 * `Retry-After` of a concurrency refusal, in seconds: a lease frees when some request of the client
 * ends, which no store can foresee; one second is the shortest the header can say.
 */
export const LEASE_RETRY_AFTER_S = 1;

/**
 * Writes the concurrency scopes' rate-limit headers. Admitted (`refused` = -1): each scope's items are
 * appended to the `RateLimit-Policy` and `RateLimit` the rates wrote (`"export";q=2;qu="concurrent-requests"`,
 * `"export";r=1`: leases left), and `X-RateLimit-Limit`/`-Remaining` are set only when no rate set them.
 * Refused: the refusing scope's items alone (the rates were not asked), `X-RateLimit-*` for it, and
 * `Retry-After: 1`. Limits are those applied (this process's share under the `local` fallback).
 *
 * @example
 * appendLeaseHeaders(reply, [exportScope], [answer], 'both', 0);
 * // RateLimit-Policy: "export";q=2;qu="concurrent-requests"   RateLimit: "export";r=0   Retry-After: 1
 */
export function appendLeaseHeaders(
  response: any,
  scopes: readonly LeaseScope[],
  answers: readonly LeaseAnswer[],
  mode: HeaderMode,
  refused: number,
): void {
  if (response === undefined || response === null) return;
  const set = (name: string, value: string): void => {
    if (typeof response.header === 'function') response.header(name, value);
    else if (typeof response.setHeader === 'function' && !response.headersSent) response.setHeader(name, value);
  };
  const get = (name: string): string | undefined => {
    const value = typeof response.getHeader === 'function' ? response.getHeader(name) : undefined;
    return value === undefined || value === null ? undefined : String(value);
  };
  const shown = refused >= 0 ? [refused] : answers.map((_, i) => i);
  if (mode === 'both' || mode === 'ietf') {
    const policy = shown.map((i) => leasePolicyItem(scopes[i].name, answers[i].limit)).join(', ');
    const left = shown.map((i) => `"${scopes[i].name}";r=${refused >= 0 ? 0 : Math.max(0, answers[i].limit - answers[i].held)}`).join(', ');
    const rates = refused >= 0 ? undefined : get('RateLimit-Policy');
    set('RateLimit-Policy', rates === undefined ? policy : `${rates}, ${policy}`);
    const remaining = refused >= 0 ? undefined : get('RateLimit');
    set('RateLimit', remaining === undefined ? left : `${remaining}, ${left}`);
  }
  if ((mode === 'both' || mode === 'legacy') && (refused >= 0 || get('X-RateLimit-Limit') === undefined)) {
    const i = refused >= 0 ? refused : tightest(answers);
    set('X-RateLimit-Limit', String(answers[i].limit));
    set('X-RateLimit-Remaining', String(refused >= 0 ? 0 : Math.max(0, answers[i].limit - answers[i].held)));
    if (refused >= 0) set('X-RateLimit-Reset', String(LEASE_RETRY_AFTER_S));
  }
  if (refused >= 0) set('Retry-After', String(LEASE_RETRY_AFTER_S));
}

/** The answer with the fewest leases left. */
function tightest(answers: readonly LeaseAnswer[]): number {
  let pick = 0;
  for (let i = 1; i < answers.length; i++) if (answers[i].limit - answers[i].held < answers[pick].limit - answers[pick].held) pick = i;
  return pick;
}
