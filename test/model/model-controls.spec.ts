// Issue 21's controls in the model suite: generated configs with `blockFor` and `count`, requests whose
// handler answers the status they choose, and ThrottleService calls between them, on memory, one Redis
// and a 3-master Cluster, over Fastify and Express; every status, header and call result against ModuleModel.
// `npm run test:model -- --scale K` runs K times longer; a failure prints `--seed S --path P` to replay it.
import fc from 'fast-check';
import { RedisCluster, startCluster, startRedis, StartedRedis } from '../../libs/testkit/src';
import { PLATFORMS } from '../support/apps/platforms';
import { describeRedis } from '../support/redis/harness';
import type { StoreSpec } from './model-app';
import { controlsCaseArb } from './controls-generators';
import { assertModel, checkCase, modelParameters } from './model-check';

/** Steps (requests and calls) per generated case. */
const MAX_STEPS = 24;

function property(platform: (typeof PLATFORMS)[number], store: () => StoreSpec, oneIdentity = false) {
  return fc.asyncProperty(controlsCaseArb(MAX_STEPS, oneIdentity), (c) => checkCase(c, platform, store()));
}

describe.each(PLATFORMS)('module model with controls, memory store, %s', (platform) => {
  const label = `controls memory ${platform}`;
  it(
    `blocks, counts by outcome and answers service calls as the model does (${label})`,
    () =>
      assertModel(
        label,
        property(platform, () => ({ kind: 'memory' })),
        modelParameters(30),
      ),
    120_000,
  );
});

describeRedis('module model with controls, one Redis', () => {
  let server: StartedRedis;
  beforeAll(async () => (server = await startRedis()));
  afterAll(() => server?.cleanup());

  it.each(PLATFORMS)(
    'blocks, counts by outcome and answers service calls as the model does (controls redis %s)',
    (platform) =>
      assertModel(
        `controls redis ${platform}`,
        property(platform, () => ({ kind: 'redis', url: server.url })),
        modelParameters(20),
      ),
    180_000,
  );
});

describeRedis('module model with controls, 3-master Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => (cluster = await startCluster(3, 0)), 60_000);
  afterAll(() => cluster?.stop());

  it.each(PLATFORMS)(
    'blocks, counts by outcome and answers service calls as the model does (controls cluster %s)',
    (platform) =>
      assertModel(
        `controls cluster ${platform}`,
        property(platform, () => ({ kind: 'cluster', nodes: cluster.nodes }), true),
        modelParameters(15),
      ),
    240_000,
  );
});
