// Dependency rules of the repository, checked by `npm run lint` (dependency-cruiser).
/** @type {import('dependency-cruiser').IConfiguration} */
const LIB = '^libs/throttle/src/';
const SPEC = '\\.(spec|e2e-spec)\\.ts$';

// --- layers: written by move-house.js (a re-run rewrites this block) ---
// Folders of libs/throttle/src from the bottom up: a folder imports only the folders listed before it (and
// src/clock.ts), so no two folders import each other. A sub-folder listed here is a layer of its own; specs are exempt.
const LAYERS = [
  'identity',
  'storage',
  'algorithms',
  'storage/memory',
  'storage/resilient',
  'metrics',
  'shedding',
  'options/grammar',
  'concurrency',
  'redis/config',
  'options',
  'config',
  'core',
  'http',
  'contexts',
  'redis',
  'service',
  'module',
  'testing',
];
const layerPath = (folder) => `${LIB}${folder}/${LAYERS.some((f) => f.startsWith(folder + '/')) ? '[^/]+$' : ''}`;
const layerRules = LAYERS.slice(0, -1).map((folder, i) => ({
  name: `layer-${folder.replace('/', '-')}`,
  severity: 'error',
  comment: `${folder}/ is below ${LAYERS.slice(i + 1).join(', ')}: it imports none of them.`,
  from: { path: layerPath(folder), pathNot: SPEC },
  to: { path: LAYERS.slice(i + 1).map(layerPath) },
}));
const unlayered = {
  name: 'every-folder-in-a-layer',
  severity: 'warn',
  comment: 'A folder of libs/throttle/src that LAYERS does not list: place it, so the layers stay a total order.',
  from: { path: `${LIB}[^/]+/`, pathNot: [...LAYERS.map(layerPath), SPEC] },
  to: { path: LIB },
};
// --- end of layers ---

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'testing-stays-in-testing',
      severity: 'error',
      comment: 'Test helpers (fake clock, conformance suite, reference model) never reach production code.',
      from: { path: LIB, pathNot: [`${LIB}testing/`, SPEC] },
      to: { path: `${LIB}testing/` },
    },
    {
      name: 'optional-peers-only-where-loaded-lazily',
      severity: 'error',
      comment:
        'ioredis, prom-client, fast-check, yaml and @opentelemetry/api are optional peers: only their lazy loaders may load them (a memory-only app loads none); elsewhere, type-only imports.',
      from: {
        path: LIB,
        pathNot: [
          `${LIB}(redis/redis-connection|metrics/load-prom-client|metrics/otel-metrics|config/config-file|testing/fast-check-loader)\\.ts$`,
          SPEC,
        ],
      },
      to: { path: 'node_modules/(ioredis|prom-client|fast-check|yaml|@opentelemetry/api)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'websockets-loaded-lazily',
      severity: 'error',
      comment:
        '@nestjs/websockets is an optional peer: only the WebSocket refusal loads it (for WsException), on the first refused message; an app without gateways never loads it.',
      from: { path: LIB, pathNot: [`${LIB}contexts/ws-refusal\\.ts$`, SPEC] },
      to: { path: 'node_modules/@nestjs/websockets/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'library-never-loads-graphql-or-socket-servers',
      severity: 'error',
      comment:
        'GraphQL and WebSocket support reads the objects Nest hands the guard: the library never imports graphql, a GraphQL driver, socket.io or ws (they are not its dependencies).',
      from: { path: LIB, pathNot: SPEC },
      to: {
        path: 'node_modules/(graphql|@nestjs/(graphql|apollo|mercurius|platform-ws|platform-socket\\.io)|@apollo|mercurius|socket\\.io[^/]*|ws)/',
      },
    },
    {
      name: 'options-never-pull-redis',
      severity: 'error',
      comment: 'Validating options (redis/config/ included) must not load the Redis store or its client.',
      from: { path: `${LIB}(options|redis/config)/`, pathNot: SPEC },
      to: { path: [`${LIB}redis/`, 'node_modules/ioredis/'], pathNot: `${LIB}redis/config/`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'library-stands-alone',
      severity: 'error',
      comment: 'The package never imports the apps, the tests or the testkit.',
      from: { path: LIB },
      to: { path: '^(apps|test|libs/testkit)/' },
    },
    {
      name: 'apps-use-the-package',
      severity: 'error',
      comment: 'Apps import nest-scoped-throttle by name, like any user; only the benchmark drives internals.',
      from: { path: '^apps/', pathNot: '^apps/bench/' },
      to: { path: LIB, pathNot: `${LIB}(index|testing/index)\\.ts$` },
    },
    {
      name: 'apps-through-entries',
      severity: 'error',
      comment: 'An app uses another app only through its public entry (src/index.ts), e.g. the experiment and the load tester.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: ['^apps/$1/', '^apps/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'testkit-stands-alone',
      severity: 'error',
      comment: 'The testkit serves tests, the experiment and the bench; it imports none of them.',
      from: { path: '^libs/testkit/' },
      to: { path: '^(apps|test)/' },
    },
    ...layerRules,
    unlayered,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default', 'types'] },
  },
};
