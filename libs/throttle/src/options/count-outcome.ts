import { Logger } from '@nestjs/common';

const COUNTS = ['all', 'failures', 'successes'];
const FAILURES = (status: number) => status >= 400;
const SUCCESSES = (status: number) => status < 400;

/**
 * A scope's `count` / `countIf` as one predicate on the response status (undefined when every request
 * counts), or a problem naming the option. A `countIf` that throws counts the request and is logged once.
 *
 * @example
 * compileCount('login', 'failures', undefined, problems)!(401); // true
 */
export function compileCount(
  name: string,
  count: unknown,
  countIf: unknown,
  problems: string[],
): ((status: number) => boolean) | undefined {
  if (count !== undefined && countIf !== undefined) {
    problems.push(`scope "${name}": give count or countIf, not both`);
    return undefined;
  }
  if (countIf !== undefined) {
    if (typeof countIf !== 'function') problems.push(`scope "${name}": countIf must be a function (status) => boolean`);
    else return guarded(name, countIf as (status: number) => boolean);
    return undefined;
  }
  if (count === undefined || count === 'all') return undefined;
  if (count === 'failures') return FAILURES;
  if (count === 'successes') return SUCCESSES;
  problems.push(`scope "${name}" count ${JSON.stringify(count)} must be one of ${COUNTS.join(', ')}`);
  return undefined;
}

function guarded(name: string, countIf: (status: number) => boolean): (status: number) => boolean {
  let logged = false;
  return (status) => {
    try {
      return countIf(status) === true;
    } catch (error) {
      if (!logged) new Logger('Throttle').error(`scope "${name}" countIf threw (${(error as Error).message}): the request counts`);
      logged = true;
      return true;
    }
  };
}
