/**
 * The testkit: private processes for the tests, the experiment and the benchmark (free ports,
 * redis-server single nodes and clusters, the built demo) and bounded polling. Not published;
 * imported by relative path. No test-framework code here, so apps can use it.
 */
export { DEMO_MAIN, type DemoProcess, requireBuiltDemo, ROOT, runDemoExpectingFailure, startDemoProcess } from './demo-process';
export { freePort } from './free-port';
export { type RedisCluster, startCluster } from './redis-cluster';
export {
  command,
  isRedisServerInstalled,
  type RedisLauncher,
  RedisServer,
  type RedisServerOptions,
  type StartedRedis,
  startRedis,
} from './redis-server';
export { FatalWait, waitFor } from './wait-for';
