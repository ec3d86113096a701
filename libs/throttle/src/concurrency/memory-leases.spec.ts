import { FakeClock } from '../testing/fake-clock';
import { MemoryLeaseStore } from './memory-leases';

describe('MemoryLeaseStore', () => {
  const rule = { key: 'export:{u}:lease', limit: 2, leaseMs: 1_000, scope: 'export' };

  it('holds at most the limit, and a release frees a slot (once, however often it is called)', () => {
    const leases = new MemoryLeaseStore(new FakeClock());
    const a = leases.acquire(rule, 'a');
    expect([a.allowed, leases.acquire(rule, 'b').allowed, leases.acquire(rule, 'c').allowed]).toEqual([true, true, false]);
    a.release();
    a.release();
    expect(leases.acquire(rule, 'd')).toMatchObject({ allowed: true, held: 2 });
    expect(leases.acquire(rule, 'e')).toMatchObject({ allowed: false, held: 2 });
  });

  it('drops expired leases at the next acquire, counting them', () => {
    const clock = new FakeClock();
    const leases = new MemoryLeaseStore(clock);
    leases.acquire(rule, 'a');
    clock.advance(500);
    leases.acquire(rule, 'b');
    clock.advance(499);
    expect(leases.acquire(rule, 'c')).toMatchObject({ allowed: false, expired: 0 });
    clock.advance(1);
    expect(leases.acquire(rule, 'c')).toMatchObject({ allowed: true, held: 2, expired: 1 });
  });

  it('forgets a key once its last lease is released', () => {
    const leases = new MemoryLeaseStore(new FakeClock());
    const a = leases.acquire(rule, 'a');
    expect(leases.size(rule.key)).toBe(1);
    a.release();
    expect(leases.size(rule.key)).toBe(0);
  });
});
