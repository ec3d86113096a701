/**
 * The deployment files under docker/ (Dockerfile, compose, nginx, Kubernetes manifests), checked
 * without a Docker engine: every YAML parses cleanly, and every name, port, variable, probe and
 * path they use is one the demo app and the repository really have.
 */
import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import * as YAML from 'yaml';
import { parseRate } from 'nest-scoped-throttle';
import { freePort } from '../../libs/testkit/src';
import {
  demoGetRoutes,
  demoScopeNames,
  demoSources,
  dockerIgnoreRules,
  execForm,
  isDockerIgnored,
  listFiles,
  loadYamlDocs,
  nginxDirectives,
  Obj,
  parseCopy,
  parseDockerfile,
  readText,
  rootPath,
  runtimePackages,
  Stage,
} from './parse';

/** The demo's environment (design.md, "Demo app contract", plus THROTTLE_STORE_TIMEOUT_MS). */
const DEMO_ENV = [
  'PORT',
  'HOST',
  'WORKERS',
  'THROTTLE_INSTANCES',
  'THROTTLE_STORE',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_SENTINEL_USERNAME',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'REDIS_TLS_CA',
  'REDIS_WAIT_REPLICAS',
  'THROTTLE_CONFIG',
  'THROTTLE_RATES',
  'THROTTLE_ON_STORE_ERROR',
  'THROTTLE_STORE_TIMEOUT_MS',
  'TRUST_PROXY',
] as const;

const IMAGE = 'nest-scoped-throttle-demo';
const APP_PORT = 3000;
const REPLICAS = 6;
const RATE_GRAMMAR = /^\d+\/\d*(s|sec|second|m|min|minute|h|hour|d|day)$/;
const KEY_GRAMMAR = /^(ip|user|header:[A-Za-z0-9-]+|query:[A-Za-z0-9_.-]+)$/;
const SCOPE_FIELDS = [
  'rate',
  'key',
  'mode',
  'allow',
  'algorithm',
  'burst',
  'cost',
  'tier',
  'tiers',
  'count',
  'blockFor',
  'concurrency',
  'leaseMs',
  'priority',
];

// ---- shared checks -----------------------------------------------------------------------

/** Compose-style `${VAR:-default}` / `${VAR-default}` read as its default; a bare `${VAR}` is refused. */
function composeValue(value: unknown): string {
  const text = String(value);
  return text.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (whole, name: string, fallback: string | undefined) => {
    if (fallback === undefined) throw new Error(`${whole}: no default, so it depends on the caller's shell`);
    return fallback;
  });
}

/**
 * Checks an environment against the demo's contract. `redis` is the Redis service's name and
 * port where this environment runs.
 */
function expectDemoEnv(env: Record<string, string>, redis: { host: string; port: number }): void {
  for (const name of Object.keys(env)) expect(DEMO_ENV).toContain(name);
  expect(['memory', 'redis']).toContain(env.THROTTLE_STORE);
  if (env.THROTTLE_STORE === 'redis' && env.REDIS_CLUSTER_NODES === undefined) {
    expect(env.REDIS_URL).toBeDefined();
    const url = new URL(env.REDIS_URL);
    expect(['redis:', 'rediss:']).toContain(url.protocol);
    expect(url.hostname).toBe(redis.host);
    expect(Number(url.port || 6379)).toBe(redis.port);
  }
  if (env.PORT !== undefined) expect(Number(env.PORT)).toBe(APP_PORT);
  if (env.WORKERS !== undefined) expect(env.WORKERS).toMatch(/^[1-9]\d*$/);
  if (env.THROTTLE_ON_STORE_ERROR !== undefined) expect(['local', 'allow', 'deny']).toContain(env.THROTTLE_ON_STORE_ERROR);
  if (env.TRUST_PROXY !== undefined) expect(env.TRUST_PROXY).toMatch(/^(\d+|[0-9a-fA-F:.]+(\/\d{1,3})?(,[0-9a-fA-F:.]+(\/\d{1,3})?)*)$/);
  if (env.THROTTLE_RATES !== undefined) {
    for (const entry of env.THROTTLE_RATES.split(',')) expect(() => parseRate(entry.split('=')[1])).not.toThrow();
  }
}

/** Checks a throttle config document (the YAML THROTTLE_CONFIG names): rates, keys, and the demo's scopes. */
function expectThrottleConfig(text: string, where: string): Record<string, unknown> {
  const doc = YAML.parse(text) as Obj;
  expect(Object.keys(doc).every((k) => ['scopes', 'key'].includes(k))).toBe(true);
  const scopes = doc.scopes as Record<string, string | Obj>;
  expect(Object.keys(scopes).length).toBeGreaterThan(0);
  for (const [name, scope] of Object.entries(scopes)) {
    const rate = typeof scope === 'string' ? scope : scope.rate;
    if (typeof scope === 'object' && rate === undefined && Number.isSafeInteger(scope.concurrency)) continue; // a concurrency limit alone (issue 22)
    if (!RATE_GRAMMAR.test(rate)) throw new Error(`${where}: scope ${name} has rate ${JSON.stringify(rate)}, not <N>/<period>`);
    expect(() => parseRate(rate)).not.toThrow();
    if (typeof scope === 'object') {
      expect(Object.keys(scope).every((k) => SCOPE_FIELDS.includes(k))).toBe(true);
      if (scope.key !== undefined) expect(scope.key).toMatch(KEY_GRAMMAR);
      if (scope.algorithm !== undefined) expect(['sliding-log', 'gcra']).toContain(scope.algorithm);
      for (const rate of Object.values((scope.tiers ?? {}) as Obj)) expect(() => parseRate(rate as string)).not.toThrow();
    }
  }
  // The demo refuses to boot when a @ThrottleScope names a scope without a rate.
  for (const used of demoScopeNames()) {
    if (!(used in scopes)) throw new Error(`${where}: the demo uses @ThrottleScope('${used}') but the file has no rate for it`);
  }
  return scopes;
}

// ---- the demo app these files deploy -----------------------------------------------------

describe('the demo app the files point at', () => {
  it('routes GET /health (the probes and health checks) and GET /hi, GET / (the README and load test)', () => {
    const routes = demoGetRoutes();
    for (const path of ['/health', '/hi', '/']) {
      if (!routes.has(path)) throw new Error(`apps/demo/src routes no GET ${path} (found: ${[...routes].join(', ') || 'none'})`);
    }
  });

  it('reads every environment variable the deployment files may set', () => {
    const source = demoSources()
      .map((s) => s.text)
      .join('\n');
    for (const name of DEMO_ENV) expect(source).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('ships a default config (apps/demo/config/throttle.yaml) whose rates parse', () => {
    const file = 'apps/demo/config/throttle.yaml';
    if (!existsSync(rootPath(file))) throw new Error(`${file} does not exist yet: the Dockerfile copies it into the image`);
    expectThrottleConfig(readText(file), file);
  });

  it('loads at run time only packages that `npm ci --omit=dev` installs', () => {
    const pkg = JSON.parse(readText('package.json')) as Obj;
    const sources = [
      ...demoSources(),
      ...listFiles('libs/throttle/src')
        .filter((f) => f.endsWith('.ts') && !/\.(spec|e2e-spec)\.ts$/.test(f) && !f.includes('/testing/'))
        .map((file) => ({ file, text: readText(file) })),
    ];
    const missing = [...runtimePackages(sources)].filter((name) => !(name in (pkg.dependencies ?? {})));
    expect(missing).toEqual([]);
  });
});

// ---- Dockerfile and .dockerignore --------------------------------------------------------

describe('docker/Dockerfile', () => {
  const { stages, instructions } = parseDockerfile(readText('docker/Dockerfile'));
  const final = stages[stages.length - 1];
  const build = stages[0];
  const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
  const last = (stage: Stage, keyword: string) => of(stage, keyword).at(-1);

  it('is multi-stage on Node 20 images', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image).toMatch(/^node:20(\.\d+)*-(bookworm-slim|alpine[\d.]*)$/);
    expect(build.name).toBeDefined();
  });

  it('builds with every dependency in the first stage', () => {
    const runs = of(build, 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).not.toMatch(/--omit=dev/);
    expect(runs).toMatch(/\bnpm run build\b/);
  });

  it('copies into the build stage what `npm run build` reads', () => {
    const pkg = JSON.parse(readText('package.json')) as Obj;
    const tsconfig = YAML.parse(readText('tsconfig.build.json')) as Obj;
    const needed = new Set<string>(['package.json', 'package-lock.json', 'tsconfig.build.json']);
    const buildScript = /\bnode\s+(\S+)/.exec(pkg.scripts.build as string)?.[1];
    if (buildScript) needed.add(buildScript);
    if (tsconfig.extends) needed.add(posix.normalize(tsconfig.extends as string));
    for (const pattern of tsconfig.include as string[]) needed.add(pattern.split('/')[0]);
    const copied = of(build, 'COPY').flatMap((i) => parseCopy(i.args).sources.map((s) => s.replace(/\/+$/, '')));
    const covered = (file: string) => copied.some((src) => src === '.' || file === src || file.startsWith(`${src}/`));
    expect([...needed].filter((file) => !covered(file))).toEqual([]);
  });

  it('runs with production dependencies only, NODE_ENV=production, as a non-root user', () => {
    const runs = of(final, 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && /--omit=dev\b/.test(r))).toBe(true);
    expect(runs.join('\n')).not.toMatch(/npm (install|i)\b/);
    expect(
      of(final, 'ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/\bNODE_ENV=production\b/);
    const user = last(final, 'USER')?.args.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // Nothing after USER switches back.
    const afterUser = final.instructions.slice(final.instructions.indexOf(last(final, 'USER')!));
    expect(afterUser.filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  // The demo imports nest-scoped-throttle by name: an npm workspace link to libs/throttle, whose
  // package.json must be there for `npm ci` and whose built dist/ for `require` at run time.
  it('installs and ships the library workspace (libs/throttle) in both stages', () => {
    const pkg = JSON.parse(readText('package.json')) as Obj;
    expect(pkg.workspaces).toEqual(['libs/throttle']);
    const copiedBeforeCi = (stage: typeof build) => {
      const ci = stage.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
      return stage.instructions
        .slice(0, ci)
        .filter((i) => i.keyword === 'COPY')
        .flatMap((i) => parseCopy(i.args).sources);
    };
    expect(copiedBeforeCi(build)).toContain('libs/throttle/package.json');
    expect(copiedBeforeCi(final)).toContain('libs/throttle/package.json');
    const fromBuild = of(final, 'COPY')
      .map((i) => parseCopy(i.args))
      .filter((c) => c.from !== undefined);
    expect(fromBuild.flatMap((c) => c.sources)).toContain('/app/libs/throttle/dist');
  });

  it('takes dist/ from the build stage and runs dist/apps/demo/main.js on port 3000', () => {
    const fromBuild = of(final, 'COPY')
      .map((i) => parseCopy(i.args))
      .filter((c) => c.from !== undefined);
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const copy of fromBuild) expect(stages.map((s) => s.name)).toContain(copy.from);
    expect(fromBuild.some((c) => c.sources.some((s) => /(^|\/)dist\/?$/.test(s)))).toBe(true);
    expect(execForm(last(final, 'CMD')!.args)).toEqual(['node', 'dist/apps/demo/main.js']);
    expect(of(final, 'ENTRYPOINT')).toEqual([]);
    expect(of(final, 'EXPOSE').flatMap((i) => i.args.split(/\s+/))).toContain(`${APP_PORT}`);
  });

  it('runs an entry point `npm run build` writes (checked on a fresh dist/, as under `npm test`)', () => {
    // Without dist/, or with one older than the build script, there is nothing fair to compare against.
    const built = rootPath('dist/apps');
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(rootPath('scripts/build.js')).mtimeMs) return;
    const entry = execForm(last(final, 'CMD')!.args)![1];
    if (!existsSync(rootPath(entry))) throw new Error(`npm run build wrote no ${entry}, which the image's CMD runs`);
  });

  it('puts the default config where THROTTLE_CONFIG looks by default (relative to WORKDIR)', () => {
    const workdir = last(final, 'WORKDIR')!.args;
    const config = of(final, 'COPY')
      .map((i) => parseCopy(i.args))
      .find((c) => c.sources.some((s) => s.replace(/\/+$/, '') === 'apps/demo/config'));
    expect(config).toBeDefined();
    expect(posix.resolve(workdir, config!.dest)).toBe(posix.join(workdir, 'apps/demo/config'));
  });

  it('has a HEALTHCHECK that runs node on a script the image contains', () => {
    const healthcheck = last(final, 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    const cmd = execForm(healthcheck!.args);
    expect(cmd?.[0]).toBe('node');
    const script = cmd![1];
    const workdir = last(final, 'WORKDIR')!.args;
    const copy = of(final, 'COPY')
      .map((i) => parseCopy(i.args))
      .find((c) => c.from === undefined && posix.resolve(workdir, c.dest) === posix.resolve(workdir, script));
    expect(copy).toBeDefined();
    expect(existsSync(rootPath(copy!.sources[0]))).toBe(true);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const rules = dockerIgnoreRules(readText('.dockerignore'));
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
      .map((i) => parseCopy(i.args))
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    for (const source of sources) {
      if (!existsSync(rootPath(source))) throw new Error(`the Dockerfile copies ${source}, which does not exist`);
      expect({ source, ignored: isDockerIgnored(source, rules) }).toEqual({ source, ignored: false });
    }
  });
});

describe('.dockerignore', () => {
  const rules = dockerIgnoreRules(readText('.dockerignore'));

  it('keeps node_modules, dist, .git, coverage, logs and .env out of the build context', () => {
    for (const path of [
      'node_modules',
      'node_modules/yaml/package.json',
      'libs/x/node_modules/a',
      'dist',
      'dist/apps/demo/main.js',
      '.git/HEAD',
      'coverage/lcov.info',
      'npm-debug.log',
      '.env',
    ]) {
      expect({ path, ignored: isDockerIgnored(path, rules) }).toEqual({ path, ignored: true });
    }
    for (const path of ['.env.example', 'apps/demo/src/main.ts', 'docker/healthcheck.js']) {
      expect({ path, ignored: isDockerIgnored(path, rules) }).toEqual({ path, ignored: false });
    }
  });
});

describe('docker/healthcheck.js', () => {
  const runCheck = (port: number): Promise<number | null> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [rootPath('docker/healthcheck.js')], {
        env: { ...process.env, PORT: String(port) },
        stdio: 'ignore',
      });
      child.on('exit', (code) => resolve(code));
    });
  let server: Server;
  let port: number;
  let status = 200;
  let hang = false;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      if (hang) return; // never answers
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('exits 0 when GET /health answers 200', async () => {
    status = 200;
    await expect(runCheck(port)).resolves.toBe(0);
    expect(paths.at(-1)).toBe('/health');
  });

  it('exits 1 on any other status', async () => {
    status = 503;
    await expect(runCheck(port)).resolves.toBe(1);
  });

  it('exits 1 when nothing listens', async () => {
    await expect(runCheck(await freePort())).resolves.toBe(1);
  });

  it('exits 1 when /health does not answer in time', async () => {
    hang = true;
    await expect(runCheck(port)).resolves.toBe(1);
    hang = false;
  });
});

// ---- Docker Compose and nginx ------------------------------------------------------------

describe('docker/compose.yaml', () => {
  const docs = loadYamlDocs('docker/compose.yaml');
  const compose = docs[0];
  const services = compose.services as Record<string, Obj>;
  const demoName = Object.keys(services).find((n) => String(services[n].image ?? '').startsWith(IMAGE))!;
  const demo = services[demoName];
  const lbName = Object.keys(services).find((n) => String(services[n].image ?? '').startsWith('nginx'))!;
  const lb = services[lbName];
  const redisName = Object.keys(services).find((n) => String(services[n].image ?? '').startsWith('redis'))!;
  const redis = services[redisName];
  const { stages } = parseDockerfile(readText('docker/Dockerfile'));

  it('is one document with redis, the demo, an nginx load balancer, prometheus and grafana', () => {
    expect(docs).toHaveLength(1);
    expect(Object.keys(services).sort()).toEqual(['demo', 'grafana', 'lb', 'prometheus', 'redis']);
    expect(redis.image).toBe('redis:7-alpine');
    expect(demo.image).toBe(`${IMAGE}:latest`);
    expect(lb.image).toBe('nginx:alpine');
  });

  it('runs redis without persistence', () => {
    const command = (redis.command as string[]).join(' ');
    expect(redis.command).toEqual(expect.arrayContaining(['--save', '']));
    expect(command).toMatch(/--appendonly no\b/);
    expect(redis.volumes).toBeUndefined();
  });

  it('builds the demo from docker/Dockerfile with the repository root as context', () => {
    const context = posix.normalize(posix.join('docker', demo.build.context as string));
    expect(context).toBe('.');
    expect(demo.build.dockerfile).toBe('docker/Dockerfile');
    expect(existsSync(rootPath(posix.join(context, demo.build.dockerfile as string)))).toBe(true);
  });

  it(`scales the demo to ${REPLICAS} replicas that only the load balancer reaches`, () => {
    expect(demo.deploy.replicas).toBe(REPLICAS);
    expect(demo.ports).toBeUndefined(); // a fixed host port cannot be shared by 6 replicas
    expect(demo.container_name).toBeUndefined();
    expect((demo.expose as unknown[]).map(String)).toContain(`${APP_PORT}`);
  });

  it('gives the demo only variables it knows, with valid values: the Redis store, one trusted proxy', () => {
    const env = Object.fromEntries(Object.entries(demo.environment as Obj).map(([k, v]) => [k, composeValue(v)])) as Record<string, string>;
    expectDemoEnv(env, { host: redisName, port: 6379 });
    expect(env.THROTTLE_STORE).toBe('redis');
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.TRUST_PROXY).toBe('1');
    expect(env.THROTTLE_INSTANCES).toBe(String(REPLICAS)); // each replica's share of the limits while Redis is down
  });

  it('checks health everywhere and starts each service once what it needs is healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, test: Array.isArray(service.healthcheck?.test) }).toEqual({ name, test: true });
      for (const [dep, spec] of Object.entries((service.depends_on ?? {}) as Obj)) {
        expect(services[dep]).toBeDefined();
        expect(spec.condition).toBe('service_healthy');
      }
    }
    expect(Object.keys(demo.depends_on)).toEqual([redisName]);
    expect(Object.keys(lb.depends_on)).toEqual([demoName]);
    // The demo's check is the image's own HEALTHCHECK command.
    const imageCheck = execForm(
      stages
        .at(-1)!
        .instructions.filter((i) => i.keyword === 'HEALTHCHECK')
        .at(-1)!.args,
    );
    expect(demo.healthcheck.test).toEqual(['CMD', ...imageCheck!]);
    expect((lb.healthcheck.test as string[]).join(' ')).toMatch(/\/health\b/);
  });

  it('publishes the load balancer on host port 8080 with docker/nginx.conf as its config', () => {
    const ports = (lb.ports as unknown[]).map(String);
    expect(ports).toHaveLength(1);
    const [hostPort, containerPort] = ports[0].split(':').slice(-2);
    expect(hostPort).toBe('8080');
    const listen = nginxDirectives(readText('docker/nginx.conf'))
      .filter((d) => d[0] === 'listen')
      .map((d) => d[1]);
    expect(listen).toEqual([containerPort]);
    const mount = (lb.volumes as string[]).map((v) => v.split(':')).find(([, target]) => target === '/etc/nginx/nginx.conf');
    expect(mount).toBeDefined();
    expect(posix.normalize(posix.join('docker', mount![0]))).toBe('docker/nginx.conf');
  });
});

describe('docker/nginx.conf', () => {
  const text = readText('docker/nginx.conf');
  const directives = nginxDirectives(text);
  const find = (name: string) => directives.filter((d) => d[0] === name);

  it('is balanced: braces pair up and every directive ends with ; or a block', () => {
    const body = text.replace(/#[^\n]*/g, '');
    let depth = 0;
    for (const c of body) {
      if (c === '{') depth++;
      if (c === '}') depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
    for (const line of body
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean))
      expect(line).toMatch(/[;{}]$/);
    expect(find('events')).toHaveLength(1);
    expect(find('http')).toHaveLength(1);
  });

  it(`proxies to the compose demo service on port ${APP_PORT}`, () => {
    const proxyPass = find('proxy_pass');
    expect(proxyPass).toHaveLength(1);
    let target = proxyPass[0][1].replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    const variable = /^\$(\w+)$/.exec(target)?.[1];
    if (variable) {
      // Resolved per request: needs a resolver, and the variable's value is the real target.
      expect(find('resolver').length).toBeGreaterThan(0);
      target = find('set').find((d) => d[1] === `$${variable}`)![2];
    } else {
      const upstream = text.match(new RegExp(`upstream\\s+${target}\\s*\\{([^}]*)\\}`));
      if (upstream) target = nginxDirectives(upstream[1]).find((d) => d[0] === 'server')![1];
    }
    const compose = loadYamlDocs('docker/compose.yaml')[0];
    const demoService = Object.keys(compose.services).find((n) => String(compose.services[n].image).startsWith(IMAGE));
    expect(target).toBe(`${demoService}:${APP_PORT}`);
  });

  it('passes the client address in X-Forwarded-For (the demo trusts one proxy)', () => {
    const xff = find('proxy_set_header').find((d) => d[1].toLowerCase() === 'x-forwarded-for');
    expect(xff).toBeDefined();
    expect(['$proxy_add_x_forwarded_for', '$remote_addr']).toContain(xff![2]);
  });
});

// ---- Kubernetes --------------------------------------------------------------------------

describe('docker/k8s', () => {
  const files = readdirSync(rootPath('docker/k8s'))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const docs = files.flatMap((f) => loadYamlDocs(`docker/k8s/${f}`).map((doc) => ({ file: f, doc })));
  const get = (kind: string, name: string): Obj => {
    const found = docs.find(({ doc }) => doc.kind === kind && doc.metadata?.name === name);
    if (!found) throw new Error(`docker/k8s has no ${kind} named ${name}`);
    return found.doc;
  };
  const container = (deployment: Obj): Obj => deployment.spec.template.spec.containers[0];
  const redisService = get('Service', 'redis');
  const redisPort = redisService.spec.ports[0].port as number;

  it('holds configmap.yaml, redis.yaml and demo.yaml, each doc a namespace-free Kubernetes object', () => {
    expect(files).toEqual(expect.arrayContaining(['configmap.yaml', 'demo.yaml', 'redis.yaml']));
    for (const { file, doc } of docs) {
      expect({ file, apiVersion: typeof doc.apiVersion, kind: typeof doc.kind, name: typeof doc.metadata?.name }).toEqual({
        file,
        apiVersion: 'string',
        kind: 'string',
        name: 'string',
      });
      expect(doc.metadata.namespace).toBeUndefined();
      // `kubectl apply -f docker/k8s/` fails on a kustomization.yaml in the folder.
      expect(doc.kind).not.toBe('Kustomization');
    }
    expect(docs.map(({ doc }) => `${doc.kind}/${doc.metadata.name}`).sort()).toEqual([
      'ConfigMap/demo-throttle-config',
      'Deployment/demo',
      'Deployment/redis',
      'Service/demo',
      'Service/redis',
    ]);
  });

  it('selects pods consistently: each Deployment and Service matches its pod template labels', () => {
    for (const name of ['demo', 'redis']) {
      const deployment = get('Deployment', name);
      const labels = deployment.spec.template.metadata.labels as Obj;
      expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
      expect(labels).toMatchObject(get('Service', name).spec.selector);
      const containerPorts = (container(deployment).ports as Obj[]).flatMap((p) => [p.containerPort, p.name]);
      for (const port of get('Service', name).spec.ports as Obj[]) expect(containerPorts).toContain(port.targetPort);
    }
  });

  it('runs redis:7-alpine on 6379 without persistence', () => {
    const redis = container(get('Deployment', 'redis'));
    expect(redis.image).toBe('redis:7-alpine');
    expect(redis.ports.map((p: Obj) => p.containerPort)).toEqual([6379]);
    expect(redisPort).toBe(6379);
    expect(redis.args).toEqual(expect.arrayContaining(['--save', '', '--appendonly', 'no']));
  });

  it(`runs ${REPLICAS} demo replicas of the local image on port ${APP_PORT}`, () => {
    const deployment = get('Deployment', 'demo');
    expect(deployment.spec.replicas).toBe(REPLICAS);
    const demo = container(deployment);
    expect(demo.image).toBe(`${IMAGE}:latest`);
    expect(demo.imagePullPolicy).toBe('IfNotPresent');
    expect(demo.ports.map((p: Obj) => p.containerPort)).toEqual([APP_PORT]);
    const service = get('Service', 'demo');
    expect(['ClusterIP', 'LoadBalancer']).toContain(service.spec.type);
    expect(service.spec.ports.map((p: Obj) => [p.port, p.targetPort])).toEqual([[80, APP_PORT]]);
  });

  it('gives the demo only variables it knows, with valid values: the Redis store, the mounted config', () => {
    const demo = container(get('Deployment', 'demo'));
    const env = Object.fromEntries((demo.env as Obj[]).map((e) => [e.name, String(e.value)])) as Record<string, string>;
    expect((demo.env as Obj[]).every((e) => typeof e.value === 'string')).toBe(true);
    expectDemoEnv(env, { host: redisService.metadata.name, port: redisPort });
    expect(env.THROTTLE_STORE).toBe('redis');
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.TRUST_PROXY).toBe('1');
    expect(env.THROTTLE_INSTANCES).toBe(String(REPLICAS)); // each replica's share of the limits while Redis is down
    expect(demo.envFrom).toBeUndefined();
  });

  it('mounts the ConfigMap where THROTTLE_CONFIG points, and its throttle.yaml is valid', () => {
    const deployment = get('Deployment', 'demo');
    const demo = container(deployment);
    const configPath = (demo.env as Obj[]).find((e) => e.name === 'THROTTLE_CONFIG')!.value as string;
    const mount = (demo.volumeMounts as Obj[]).find((m) => configPath.startsWith(`${m.mountPath}/`));
    expect(mount).toBeDefined();
    const volume = (deployment.spec.template.spec.volumes as Obj[]).find((v) => v.name === mount!.name);
    const configMap = get('ConfigMap', volume!.configMap.name);
    const key = mount!.subPath ?? posix.relative(mount!.mountPath, configPath);
    expect(Object.keys(configMap.data)).toContain(key);
    const scopes = expectThrottleConfig(configMap.data[key], `ConfigMap ${configMap.metadata.name} ${key}`);
    expect(scopes).toEqual({
      hi: '60/minute',
      api_key: { rate: '1/s', key: 'query:api_key' },
      search: { rate: '30/minute', mode: 'shadow' },
      burst: { rate: '10/s', algorithm: 'gcra', burst: 3 },
      plan: { rate: '100/hour', key: 'user', tier: 'user:plan', tiers: { pro: '10000/hour', free: '20/hour' } },
      login: { rate: '5/15m', count: 'failures', blockFor: '15m' },
      export: { concurrency: 2, priority: 'low' },
    });
  });

  it('probes readiness and liveness on GET /health, a route the demo has', () => {
    const demo = container(get('Deployment', 'demo'));
    const named = new Map((demo.ports as Obj[]).map((p) => [p.name, p.containerPort]));
    for (const probe of [demo.readinessProbe, demo.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/health');
      expect(named.get(probe.httpGet.port) ?? probe.httpGet.port).toBe(APP_PORT);
    }
    expect(demoGetRoutes()).toContain('/health');
  });

  it('sets resource requests and limits, and runs as uid 1000, never root', () => {
    const pod = get('Deployment', 'demo').spec.template.spec;
    const demo = container(get('Deployment', 'demo'));
    for (const kind of ['requests', 'limits']) {
      expect(demo.resources[kind].cpu).toMatch(/^\d+(\.\d+)?m?$/);
      expect(demo.resources[kind].memory).toMatch(/^\d+(Mi|Gi|M|G)$/);
    }
    const security = { ...pod.securityContext, ...demo.securityContext };
    expect(security.runAsNonRoot).toBe(true);
    expect(security.runAsUser).toBe(1000);
    expect(security.allowPrivilegeEscalation).toBe(false);
  });
});
