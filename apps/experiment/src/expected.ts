import { ReferenceSlidingLog } from 'nest-scoped-throttle/testing';

/**
 * What an exact limiter admits for a paced run: the reference sliding log fed the nominal send times
 * (request i at i*d/n). 100 requests over 10 s at 1/s → 10.
 */
export function expectedAdmissions(requests: number, durationMs: number, limit: number, windowMs: number): number {
  const model = new ReferenceSlidingLog();
  const rules = [{ key: 'k', limit, windowMs }];
  let admitted = 0;
  for (let i = 0; i < requests; i++) {
    if (model.consume({ rules }, (i * durationMs) / requests).allowed) admitted++;
  }
  return admitted;
}
