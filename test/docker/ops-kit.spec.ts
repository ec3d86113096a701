// The operations kit (docker/prometheus, docker/grafana): every metric a dashboard panel or an alert
// rule names is one the library registers (names read from ThrottleMetrics, not a list kept here), an
// OpenTelemetry export gives the same names (through @opentelemetry/exporter-prometheus), the alerts
// the issue asks for exist and pass promtool, and the compose file wires Prometheus and Grafana to them.
import { spawnSync } from 'node:child_process';
import { posix } from 'node:path';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { OtelThrottleMetrics, ThrottleMetrics, ThrottleStorage } from 'nest-scoped-throttle';
import { loadYamlDocs, Obj, readText, rootPath } from './parse';
import { metricNames } from './promql';

type ThrottleStoreEvents = Parameters<ThrottleStorage['subscribe']>[0];

const DASHBOARD = 'docker/grafana/dashboards/throttle.json';
const ALERTS = 'docker/prometheus/alerts.yml';

/** Every series name the library's Prometheus metrics expose (a histogram's _bucket, _sum and _count). */
async function exportedSeries(): Promise<Set<string>> {
  const metrics = await new ThrottleMetrics().registry.getMetricsAsJSON();
  return new Set(
    metrics.flatMap((m) => (String(m.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.name + s) : [m.name])),
  );
}

/** Every PromQL expression of the dashboard: panel targets and template-variable queries. */
function dashboardExprs(dashboard: Obj): string[] {
  const panels = (dashboard.panels as Obj[]).flatMap((p) => [p, ...((p.panels as Obj[] | undefined) ?? [])]);
  const targets = panels.flatMap((p) => (p.targets as Obj[] | undefined) ?? []).map((t) => t.expr as string);
  const variables = ((dashboard.templating?.list as Obj[] | undefined) ?? []).map((v) => (v.query?.query ?? v.query) as string);
  return [...targets, ...variables];
}

const rules = (): Obj[] => (loadYamlDocs(ALERTS)[0].groups as Obj[]).flatMap((g) => g.rules as Obj[]);

describe('docker/grafana and docker/prometheus: the operations kit', () => {
  const dashboard = JSON.parse(readText(DASHBOARD)) as Obj;

  it('names in its panels and rules only metrics the library exports, and uses every one of them', async () => {
    const exported = await exportedSeries();
    const named = [...dashboardExprs(dashboard), ...rules().map((r) => r.expr as string)].flatMap(metricNames);
    expect(named.filter((n) => !exported.has(n))).toEqual([]);
    const base = (n: string) => n.replace(/_(bucket|sum|count)$/, '');
    const unused = [...exported].filter((n) => !named.some((m) => base(m) === base(n)));
    expect(unused).toEqual([]);
  });

  it('reads the same names from an OpenTelemetry export (@opentelemetry/exporter-prometheus)', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter as unknown as MetricReader] });
    const otel = new OtelThrottleMetrics({ meterProvider: provider });
    const events: ThrottleStoreEvents[] = [];
    otel.observe({ subscribe: (l: ThrottleStoreEvents) => (events.push(l), () => undefined) } as unknown as ThrottleStorage, 'local');
    otel.countDecision([{ name: 'hi' }], true);
    events[0].decision!({ source: 'store', allowed: true, latencyMs: 1 });
    events[0].decision!({ source: 'policy', allowed: true, latencyMs: 1, reason: 'timeout' });
    events[0].storeError!({ reason: 'ECONNREFUSED', error: undefined });
    events[0].circuitChange!({ from: 'closed', to: 'open', reason: 'errors' });
    events[0].denyCacheHit!({ key: 'k' });
    events[0].eviction!({ scope: 'hi' });
    otel.countControl('hi', 'refund');
    const text = await new Promise<string>((resolve) =>
      exporter.getMetricsRequestHandler({} as never, { statusCode: 0, setHeader: () => undefined, end: resolve } as never),
    );
    const names = new Set(text.split('\n').flatMap((line) => /^throttle_\w+/.exec(line) ?? []));
    expect([...names].sort()).toEqual([...(await exportedSeries())].sort());
    await provider.shutdown();
  });

  it('has the alerts of the runbook: store down, fallback active over a minute, refusal spike, live keys evicted', () => {
    const byName = new Map(rules().map((r) => [r.alert as string, r]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining(['ThrottleStoreDown', 'ThrottleFallbackActive', 'ThrottleRefusalRatioSpike', 'ThrottleLiveKeysEvicted']),
    );
    expect(byName.get('ThrottleFallbackActive')!.for).toBe('1m');
    for (const rule of byName.values()) {
      expect({ alert: rule.alert, severity: typeof rule.labels?.severity, summary: typeof rule.annotations?.summary }).toEqual({
        alert: rule.alert,
        severity: 'string',
        summary: 'string',
      });
    }
  });

  it('passes promtool check rules, check config and the rules’ unit tests (CI installs promtool: Debian package prometheus)', () => {
    const found = spawnSync('promtool', ['--version']).status === 0;
    if (!found) {
      if (process.env.CI === 'true') throw new Error('promtool not found under CI=true: .ci/run installs it (apt-get install prometheus)');
      console.warn('SKIPPED: promtool not found; install the Debian package prometheus to check the alert rules');
      return;
    }
    for (const args of [
      ['check', 'rules', rootPath(ALERTS)],
      ['check', 'config', rootPath('docker/prometheus/prometheus.yml')],
      ['test', 'rules', rootPath('docker/prometheus/alerts.test.yml')], // each alert fires when it should, and not before
    ]) {
      const run = spawnSync('promtool', args, { encoding: 'utf8' });
      expect({ args, status: run.status, output: run.stderr + run.stdout }).toEqual({ args, status: 0, output: run.stderr + run.stdout });
    }
  });

  it('points every panel at the provisioned Prometheus data source', () => {
    const [source] = loadYamlDocs('docker/grafana/provisioning/datasources/prometheus.yaml')[0].datasources as Obj[];
    expect(source).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const uids = (dashboard.panels as Obj[])
      .flatMap((p) => [p.datasource, ...(p.targets as Obj[]).map((t) => t.datasource)])
      .map((d) => d.uid);
    expect(new Set(uids)).toEqual(new Set([source.uid]));
  });

  it('is wired into docker/compose.yaml: prometheus reads the rules and scrapes the demo, grafana loads the dashboard', () => {
    const services = loadYamlDocs('docker/compose.yaml')[0].services as Record<string, Obj>;
    const mounts = (service: Obj) =>
      new Map((service.volumes as string[]).map((v) => v.split(':')).map(([from, to]) => [to, posix.join('docker', from)]));
    const prometheus = mounts(services.prometheus);
    expect(prometheus.get('/etc/prometheus')).toBe('docker/prometheus');
    const config = loadYamlDocs('docker/prometheus/prometheus.yml')[0];
    expect(config.rule_files).toEqual(['alerts.yml']);
    expect(config.scrape_configs[0].dns_sd_configs[0]).toMatchObject({ names: ['demo'], port: 3000 });
    expect(config.scrape_configs[0].metrics_path).toBe('/metrics');
    const grafana = mounts(services.grafana);
    expect(grafana.get('/etc/grafana/provisioning')).toBe('docker/grafana/provisioning');
    const [provider] = loadYamlDocs('docker/grafana/provisioning/dashboards/throttle.yaml')[0].providers as Obj[];
    expect(posix.join(grafana.get(provider.options.path)!, 'throttle.json')).toBe(DASHBOARD);
  });
});
