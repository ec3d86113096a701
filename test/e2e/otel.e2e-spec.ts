// OpenTelemetry beside Prometheus: the same counters through the OTel Meter (read with the SDK's
// in-memory exporter), and each decision's attributes on the request's active span (in-memory span
// exporter; a hook that starts a span per request stands in for the HTTP instrumentation).
import { Controller, Get, INestApplication } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ThrottleMetrics, ThrottleModuleOptions, ThrottleScope } from 'nest-scoped-throttle';
import { Platform, PLATFORMS, statuses } from '../support/apps/platforms';
import { startThrottled, ThrottledApp } from '../support/apps/throttled-app';

@Controller()
class HiController {
  @ThrottleScope('hi') @Get('hi') hi() {
    return 'hi';
  }
  @ThrottleScope('search') @Get('search') search() {
    return 'search';
  }
}

const spans = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('test');
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
afterAll(() => {
  context.disable();
  contextManager.disable();
});

/** Starts one span per request, active while Nest handles it, as the HTTP instrumentation would. */
function spanPerRequest(app: INestApplication, platform: Platform): void {
  const start = (end: (listener: () => void) => void, next: () => void) =>
    tracer.startActiveSpan('request', (span) => {
      end(() => span.end());
      next();
    });
  if (platform === 'fastify')
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (_req: any, reply: any, done: () => void) => start((l) => reply.raw.on('finish', l), done));
  else app.use((_req: any, res: any, next: () => void) => start((l) => res.on('finish', l), next));
}

describe.each(PLATFORMS)('OpenTelemetry metrics and span attributes over %s', (platform) => {
  let app: ThrottledApp | undefined;
  let exporter: InMemoryMetricExporter;
  let meterProvider: MeterProvider;
  beforeEach(() => {
    spans.reset();
    exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] });
  });
  afterEach(async () => {
    await app?.close();
    await meterProvider.shutdown();
  });
  const start = async (metrics: ThrottleModuleOptions['metrics']) =>
    (app = await startThrottled(platform, {
      throttle: { scopes: { hi: '2/m', search: { rate: '1/m', mode: 'shadow' } }, metrics },
      controllers: [HiController],
      configure: (a) => spanPerRequest(a, platform),
    }));
  /** The OTel data points of `name`, as "scope/result value". */
  const points = async (name: string) => {
    await meterProvider.forceFlush();
    const metrics =
      exporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
    const metric = metrics.find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []).map((p) => `${p.attributes.scope}/${p.attributes.result} ${p.value as number}`).sort();
  };

  it("metrics: ['prometheus', 'otel'] counts the same decisions in both", async () => {
    const a = await start({ backends: ['prometheus', 'otel'], meterProvider });
    expect(await statuses(a.get, [['/hi'], ['/hi'], ['/hi'], ['/search'], ['/search']])).toEqual([200, 200, 429, 200, 200]);
    expect(await points('throttle.decisions')).toEqual(['hi/allowed 2', 'hi/throttled 1', 'search/allowed 1', 'search/shadow_throttled 1']);
    const text = await a.app.get(ThrottleMetrics).registry.getSingleMetricAsString('throttle_decisions_total');
    expect(text).toContain('throttle_decisions_total{scope="hi",result="throttled"} 1');
  });

  it('each decision sets throttle.scope, throttle.result and throttle.remaining on the active span', async () => {
    const a = await start({ backends: ['otel'], meterProvider });
    await statuses(a.get, [['/hi'], ['/hi'], ['/hi'], ['/search'], ['/search']]);
    const byStart = spans.getFinishedSpans().sort((x, y) => x.startTime[0] - y.startTime[0] || x.startTime[1] - y.startTime[1]);
    expect(byStart.map((s) => s.attributes)).toEqual([
      { 'throttle.scope': 'hi', 'throttle.result': 'allowed', 'throttle.remaining': 1 },
      { 'throttle.scope': 'hi', 'throttle.result': 'allowed', 'throttle.remaining': 0 },
      { 'throttle.scope': 'hi', 'throttle.result': 'throttled', 'throttle.remaining': 0 },
      { 'throttle.scope': 'search', 'throttle.result': 'allowed', 'throttle.remaining': 0 },
      { 'throttle.scope': 'search', 'throttle.result': 'shadow_throttled', 'throttle.remaining': 0 },
    ]);
    expect(a.app.get(ThrottleMetrics)).toBeUndefined(); // 'otel' alone registers no Prometheus metrics
  });
});
