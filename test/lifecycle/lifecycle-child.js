// The lifecycle suite's child process (see lifecycle.e2e-spec.ts): boots and closes a Nest app with
// ThrottleModule on one topology, as a user's tests or a hot reload would, and prints what it left
// behind as one JSON line. Plain CommonJS on the built package (`npm run build`), run with --expose-gc.
//
//   node --expose-gc lifecycle-child.js '{"mode":"churn","cycles":50,"topology":"url","url":"redis://..."}'
//
// mode churn: warm-up cycles, a baseline, `cycles` boot+request+close cycles, then the same measures;
// then it waits for a line on stdin (the parent counts Redis clients meanwhile) and ends.
// mode exit:  one boot+request+close, then nothing: prints how long after close the process exited.
'use strict';
/* global setImmediate, performance */
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { Cluster, Redis } = require('ioredis');
const { register } = require('prom-client');
const { MemoryThrottleStorage, ThrottleModule, ThrottleScope } = require('nest-scoped-throttle');

const spec = JSON.parse(process.argv[2]);
const WARM_UP_CYCLES = 10;
const warnings = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));

class HiController {
  hi() {
    return 'hi';
  }
}
Controller()(HiController);
const hi = Object.getOwnPropertyDescriptor(HiController.prototype, 'hi');
ThrottleScope('hi')(HiController.prototype, 'hi', hi);
Get('hi')(HiController.prototype, 'hi', hi);

/** What the app owns in the `owned` topologies: one client, the global registry, one store, for every boot. */
const owned = {};
if (spec.topology === 'owned-client') {
  owned.client = new Redis(spec.url, { lazyConnect: true, enableOfflineQueue: false, keyPrefix: 'lc:' });
  owned.registry = register; // prom-client's global registry: the second boot used to fail on it
}
if (spec.topology === 'owned-cluster') {
  const nodes = spec.nodes.map((node) => ({ host: node.split(':')[0], port: Number(node.split(':')[1]) }));
  owned.client = new Cluster(nodes, { lazyConnect: true, enableOfflineQueue: false, keyPrefix: 'lc:' });
}
if (spec.topology === 'owned-store') owned.storage = new MemoryThrottleStorage();

function throttleOptions() {
  const base = { scopes: { hi: '1000/s' }, keyPrefix: 'lc:', metrics: owned.registry ? { registry: owned.registry } : true };
  const redis = {
    url: { url: spec.url },
    down: { url: spec.url },
    cluster: { clusterNodes: spec.nodes },
    sentinel: { sentinels: spec.sentinels, name: spec.name, sentinelPassword: spec.sentinelPassword },
    'owned-client': { client: owned.client },
    'owned-cluster': { client: owned.client },
  }[spec.topology];
  if (spec.topology === 'down') base.storeBootTimeoutMs = 200;
  if (owned.storage) base.storage = owned.storage;
  return redis ? { ...base, redis } : base;
}

// One module class for every boot, as a test file or a hot-reloading process has (Nest caches an id per module class).
class AppModule {}
Module({ imports: [ThrottleModule.forRoot(throttleOptions())], controllers: [HiController] })(AppModule);

async function cycle() {
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false, abortOnError: false });
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  const reply = await fastify.inject({ method: 'GET', url: '/hi' });
  if (reply.statusCode !== 200) throw new Error(`GET /hi answered ${reply.statusCode}: ${reply.body}`);
  await app.close();
}

function listeners(emitter) {
  if (!emitter) return undefined;
  return emitter.eventNames().reduce((sum, name) => sum + emitter.listenerCount(name), 0);
}

/** A few turns of the event loop: callbacks the closes queued (setImmediate) run, as they would before any exit. */
async function turns() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function snapshot() {
  await turns();
  for (let i = 0; i < 4; i++) global.gc();
  const handles = {};
  for (const name of process.getActiveResourcesInfo()) handles[name] = (handles[name] ?? 0) + 1;
  return {
    handles,
    heapBytes: process.memoryUsage().heapUsed,
    processListeners: listeners(process),
    clientListeners: listeners(owned.client),
    // The store's event hub (private): one entry per subscription, e.g. a metrics layer's.
    storeListeners: owned.storage ? owned.storage.events.listeners.length : undefined,
    registryMetrics: owned.registry ? owned.registry.getMetricsAsArray().length : undefined,
  };
}

async function churn() {
  if (owned.client) await owned.client.connect();
  for (let i = 0; i < WARM_UP_CYCLES; i++) await cycle(); // modules loaded, lazy singletons made, code optimised
  const before = await snapshot();
  const started = performance.now();
  for (let i = 0; i < spec.cycles; i++) await cycle();
  const cycleMs = (performance.now() - started) / spec.cycles;
  const after = await snapshot();
  process.stdout.write(`${JSON.stringify({ before, after, cycleMs, warnings })}\n`);
  // The parent counts this process's Redis connections now (CLIENT LIST), then lets it finish.
  process.stdin.once('data', () => {
    process.stdin.destroy();
    if (owned.client) owned.client.disconnect();
  });
}

async function exitAfterClose() {
  await cycle();
  const closedAt = performance.now();
  process.on('exit', () => {
    const exitMs = performance.now() - closedAt;
    process.stdout.write(`${JSON.stringify({ exitMs, handlesAtClose, warnings })}\n`);
  });
  const handlesAtClose = process.getActiveResourcesInfo();
}

(spec.mode === 'exit' ? exitAfterClose() : churn()).catch((error) => {
  console.error(error);
  process.exit(1);
});
