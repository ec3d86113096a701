import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { RedisReadiness } from './redis-readiness';
import { DECIDE_SCRIPT } from './decide.script';
import { WITHDRAW_SCRIPT } from './withdraw.script';

/** A client or cluster node as the readiness logic sees it: status, connect(), SCRIPT LOAD and events. */
class FakeNode extends EventEmitter {
  status = 'wait';
  connects = 0;
  loads = 0;
  scriptError?: Error;
  connect(): Promise<void> {
    this.connects += 1;
    this.status = 'connecting';
    return new Promise(() => undefined); // readiness is read from the 'ready' event, not from this promise
  }
  becomeReady(): void {
    this.status = 'ready';
    this.emit('ready');
  }
  loaded: string[] = [];
  script(subcommand: string, lua: string): Promise<string> {
    if (subcommand !== 'LOAD') throw new Error('unexpected SCRIPT call');
    this.loads += 1;
    this.loaded.push(lua);
    return this.scriptError ? Promise.reject(this.scriptError) : Promise.resolve('sha');
  }
}

class FakeCluster extends FakeNode {
  readonly isCluster = true;
  constructor(readonly masters: FakeNode[]) {
    super();
  }
  nodes(role: string): FakeNode[] {
    if (role !== 'master') throw new Error('masters only');
    return this.masters;
  }
}

const asClient = (fake: FakeNode) => fake as unknown as Redis;
const settled = <T>(promise: Promise<T>) => {
  const state = { done: false, error: undefined as unknown };
  promise.then(
    () => (state.done = true),
    (error) => ((state.done = true), (state.error = error)),
  );
  return state;
};

describe('RedisReadiness', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('connects a lazy client, and resolves only once it is ready and the script is loaded', async () => {
    const client = new FakeNode();
    const open = settled(new RedisReadiness(asClient(client), [DECIDE_SCRIPT]).open(5_000));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(client.connects).toBe(1);
    expect(client.loads).toBe(0);
    expect(open.done).toBe(false);
    client.becomeReady();
    await jest.advanceTimersByTimeAsync(0);
    expect(client.loads).toBe(1);
    expect(open).toEqual({ done: true, error: undefined });
  });

  it('on a cluster, waits for every master connection (connecting idle ones) and loads the scripts on each', async () => {
    const masters = [new FakeNode(), new FakeNode(), new FakeNode()];
    masters[0].status = 'ready';
    masters[1].status = 'connecting';
    const cluster = new FakeCluster(masters);
    const open = settled(new RedisReadiness(asClient(cluster), [DECIDE_SCRIPT, WITHDRAW_SCRIPT]).open(5_000));
    cluster.becomeReady(); // slots map loaded; the masters' connections are not all ready yet
    await jest.advanceTimersByTimeAsync(0);
    expect(masters.map((m) => m.connects)).toEqual([0, 0, 1]);
    expect(masters[0].loaded).toEqual([DECIDE_SCRIPT, WITHDRAW_SCRIPT]);
    masters[1].becomeReady();
    await jest.advanceTimersByTimeAsync(0);
    expect(open.done).toBe(false);
    masters[2].becomeReady();
    await jest.advanceTimersByTimeAsync(0);
    expect(open).toEqual({ done: true, error: undefined });
    expect(masters.map((m) => m.loads)).toEqual([2, 2, 2]);
    expect(cluster.loads).toBe(0); // SCRIPT LOAD goes to the masters, not through the cluster client
  });

  it('gives up after waitMs naming the last connection error, and leaves no listener behind', async () => {
    const client = new FakeNode();
    const baseline = client.eventNames().length;
    const open = settled(new RedisReadiness(asClient(client), [DECIDE_SCRIPT]).open(500));
    client.emit('error', new Error('Connection is closed.'));
    client.emit('error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    client.emit('error', new Error('Connection is closed.')); // a code-less error never hides the one that says why
    await jest.advanceTimersByTimeAsync(499);
    expect(open.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect((open.error as Error).message).toBe('ECONNREFUSED, not ready after 500 ms');
    expect(client.eventNames().length).toBe(baseline);
  });

  it('fails at once on a client that has ended, and reports a failed SCRIPT LOAD as it is', async () => {
    const ended = new FakeNode();
    ended.status = 'end';
    await expect(new RedisReadiness(asClient(ended), [DECIDE_SCRIPT]).open(5_000)).rejects.toThrow('connection ended');
    const denied = new FakeNode();
    denied.status = 'ready';
    denied.scriptError = new Error("NOPERM this user has no permissions to run the 'script|load' command");
    await expect(new RedisReadiness(asClient(denied), [DECIDE_SCRIPT]).open(5_000)).rejects.toThrow(/^NOPERM/);
  });

  it('after boot, reloads the script on every ready (a reconnection) before telling the listener', async () => {
    const client = new FakeNode();
    const readiness = new RedisReadiness(asClient(client), [DECIDE_SCRIPT]);
    let told = 0;
    const stop = readiness.watch(() => (told += 1));
    const open = readiness.open(5_000);
    client.becomeReady(); // the boot connection: open() loads the script itself
    await open;
    expect([client.loads, told]).toEqual([1, 0]);
    client.status = 'reconnecting';
    client.scriptError = new Error('LOADING Redis is loading the dataset in memory');
    client.becomeReady();
    await jest.advanceTimersByTimeAsync(0);
    expect([client.loads, told]).toEqual([2, 0]); // not ready to decide: left to the probe
    client.scriptError = undefined;
    client.becomeReady();
    await jest.advanceTimersByTimeAsync(0);
    expect([client.loads, told]).toEqual([3, 1]);
    stop();
    client.becomeReady();
    await jest.advanceTimersByTimeAsync(0);
    expect([client.loads, told]).toEqual([3, 1]);
  });
});
