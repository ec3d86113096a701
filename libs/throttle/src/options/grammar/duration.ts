import { algorithmNamed, isAlgorithmName } from '../../algorithms/registry';
import { parseRate } from './rate';

/**
 * A duration in milliseconds from a positive integer (ms) or text with the rate grammar's periods:
 * `15m`, `1h`, `30s`, `2d`, `15 minutes`. Throws a message naming `option` and the nearest spelling.
 *
 * @example
 * parseDuration('15m', 'blockFor'); // 900000
 * parseDuration(60_000, 'blockFor'); // 60000
 */
export function parseDuration(value: unknown, option: string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value > 0) return value;
    throw new RangeError(`${option} must be a positive integer of milliseconds or a duration like "15m", got ${value}`);
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${option} must be a duration like "15m", "1h", "30s" (or milliseconds), got ${JSON.stringify(value)}`);
  }
  try {
    return parseRate(`1/${value.trim()}`).windowMs;
  } catch (error) {
    const why = (error as Error).message.replace(/^.*?: /, '').replace(/1\//g, '');
    throw new RangeError(`${option} ${JSON.stringify(value)}: ${why}`, { cause: error });
  }
}

/**
 * A scope's `blockFor` in ms (undefined when unset), or a problem: it does not parse, or the scope is
 * not a sliding log (a GCRA key holds no block).
 *
 * @example
 * compileBlock('login', '15m', 'sliding-log', problems); // 900000
 */
export function compileBlock(name: string, blockFor: unknown, algorithm: string | undefined, problems: string[]): number | undefined {
  if (blockFor === undefined) return undefined;
  let blockMs: number;
  try {
    blockMs = parseDuration(blockFor, 'blockFor');
  } catch (error) {
    problems.push(`scope "${name}" ${(error as Error).message}`);
    return undefined;
  }
  if (isAlgorithmName(algorithm) && !algorithmNamed(algorithm).blocks) {
    problems.push(`scope "${name}": blockFor needs algorithm "sliding-log" (a ${algorithm} key holds no block)`);
  }
  return blockMs;
}
