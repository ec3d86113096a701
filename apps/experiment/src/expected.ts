import type { ThrottleAlgorithm } from 'nest-scoped-throttle';
import { ReferenceModel } from 'nest-scoped-throttle/testing';

/**
 * What an exact limiter admits for a paced run: the reference model fed the nominal send times
 * (request i at i*d/n), as a sliding log (default) or as GCRA with the default burst (the rate's N).
 * 100 requests over 10 s at 1/s → 10 either way; 100 over 10 s at 5/10s → 5 (sliding log), 9 (GCRA).
 */
export function expectedAdmissions(
  requests: number,
  durationMs: number,
  limit: number,
  windowMs: number,
  algorithm: ThrottleAlgorithm = 'sliding-log',
): number {
  const model = new ReferenceModel();
  const rules = [{ key: 'k', limit, windowMs, algorithm }];
  let admitted = 0;
  for (let i = 0; i < requests; i++) {
    if (model.consume({ rules }, (i * durationMs) / requests).allowed) admitted++;
  }
  return admitted;
}
