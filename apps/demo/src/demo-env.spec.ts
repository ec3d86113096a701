import { readDemoEnv } from './demo-env';

describe('readDemoEnv: TRUST_PROXY', () => {
  it.each([
    [undefined, 0],
    ['', 0],
    ['2', 2],
    [' 1 ', 1],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['10.0.0.0/8, ::1,::ffff:172.16.0.0/108', ['10.0.0.0/8', '::1', '::ffff:172.16.0.0/108']],
  ])('%p → %p', (raw, expected) => {
    expect(readDemoEnv({ TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it.each([[','], ['99999999999999999999']])('refuses TRUST_PROXY=%p, naming the variable', (raw) => {
    expect(() => readDemoEnv({ TRUST_PROXY: raw })).toThrow(
      `Invalid environment: TRUST_PROXY=${JSON.stringify(raw)}: expected a hop count (e.g. 1) or a CIDR list (e.g. 10.0.0.0/8,::1)`,
    );
  });
});

describe('readDemoEnv: THROTTLE_INSTANCES', () => {
  it.each([
    [undefined, 1],
    ['', 1],
    ['6', 6],
  ])('%p → %p', (raw, expected) => {
    expect(readDemoEnv({ THROTTLE_INSTANCES: raw }).replicas).toBe(expected);
  });

  it.each([['0'], ['-1'], ['1.5'], ['six'], ['10001']])('refuses THROTTLE_INSTANCES=%p, naming the variable', (raw) => {
    expect(() => readDemoEnv({ THROTTLE_INSTANCES: raw })).toThrow(
      `Invalid environment: THROTTLE_INSTANCES=${JSON.stringify(raw)}: expected a whole number from 1 to 10000`,
    );
  });
});

describe('readDemoEnv: THROTTLE_SHED_ELU', () => {
  it('turns load shedding on past a utilization in (0, 1); unset or empty: off', () => {
    expect(readDemoEnv({ THROTTLE_SHED_ELU: '0.9' }).shedElu).toBe(0.9);
    expect(readDemoEnv({}).shedElu).toBeUndefined();
    expect(readDemoEnv({ THROTTLE_SHED_ELU: ' ' }).shedElu).toBeUndefined();
  });

  it.each(['1', '0', '90%', 'high'])('refuses %j, naming the variable', (raw) => {
    expect(() => readDemoEnv({ THROTTLE_SHED_ELU: raw })).toThrow(
      `Invalid environment: THROTTLE_SHED_ELU must be a number in (0, 1), e.g. 0.9`,
    );
  });
});
