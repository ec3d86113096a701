// Issue 17's model of the whole module, checked over HTTP: generated configs and request sequences sent
// through a real Nest app (Fastify with its fast lane, Express) on the memory store, one Redis and a
// 3-master Cluster, every status, rate-limit header, Retry-After and body compared with ModuleModel.
// `npm run test:model -- --runs N` (or `--scale K`: K times the bounded counts below) runs longer; a
// failure prints the shrunk case and `--seed S --path P` to replay it (with the same generators).
//
// Time: every app runs on a FakeClock injected as its ThrottleClock; FakeClock.storeTime() makes the Redis
// store send that clock's time to its script instead of reading Redis TIME, so Redis decides on exactly
// the instants the model does. Each run boots its own app with its own key prefix, so runs share no keys.
// Cluster runs key every scope of a case alike, so a request's keys share one slot. MODEL_CROSS_SLOT=1 keys
// them differently (the cross-slot path), where a refusal the deny cache may answer is accepted as the
// cache's or the store's (ModuleModel, `cross-slot`); the cache also leaves out keys whose refusal counted
// withdrawable admissions, which the model does not track: such runs still report header differences.
import fc from 'fast-check';
import { RedisCluster, startCluster, startRedis, StartedRedis } from '../../libs/testkit/src';
import { PLATFORMS } from '../support/apps/platforms';
import { describeRedis } from '../support/redis/harness';
import type { StoreSpec } from './model-app';
import { caseArb } from './generators';
import { assertModel, checkCase, modelParameters } from './model-check';

/** Cluster cases whose requests span slots (see above). */
const CROSS_SLOT = process.env.MODEL_CROSS_SLOT === '1';

/** Requests per generated case. */
const MAX_STEPS = 24;

function property(platform: (typeof PLATFORMS)[number], store: () => StoreSpec, oneIdentity = false) {
  return fc.asyncProperty(caseArb(MAX_STEPS, oneIdentity), (c) => checkCase(c, platform, store()));
}

describe.each(PLATFORMS)('module model over HTTP, memory store, %s', (platform) => {
  const label = `memory ${platform}`;
  it(
    `admits, refuses and answers as the model does (${label})`,
    () =>
      assertModel(
        label,
        property(platform, () => ({ kind: 'memory' })),
        modelParameters(60),
      ),
    120_000,
  );
});

describeRedis('module model over HTTP, one Redis', () => {
  let server: StartedRedis;
  beforeAll(async () => (server = await startRedis()));
  afterAll(() => server?.cleanup());

  it.each(PLATFORMS)(
    'admits, refuses and answers as the model does (redis %s)',
    (platform) =>
      assertModel(
        `redis ${platform}`,
        property(platform, () => ({ kind: 'redis', url: server.url })),
        modelParameters(60),
      ),
    180_000,
  );
});

describeRedis('module model over HTTP, 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => (cluster = await startCluster(3, 0)), 60_000);
  afterAll(() => cluster?.stop());

  it.each(PLATFORMS)(
    'admits, refuses and answers as the model does (cluster %s)',
    (platform) =>
      assertModel(
        `cluster ${platform}`,
        property(platform, () => ({ kind: 'cluster', nodes: cluster.nodes }), !CROSS_SLOT),
        modelParameters(50),
      ),
    240_000,
  );
});
