// Issue 22's lease and shedding metrics through OpenTelemetry (SDK in-memory exporter) beside Prometheus:
// with both backends on, each counts the same leases held, lease expiries and shed requests (and a
// concurrency refusal as a `throttled` decision); with 'otel' alone they still count.
import { Controller, Get, Headers } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  Pressure,
  PressureProbe,
  ThrottleClock,
  ThrottleMetrics,
  ThrottleModule,
  ThrottleModuleOptions,
  ThrottleScope,
} from 'nest-scoped-throttle';
import { FakeClock } from 'nest-scoped-throttle/testing';
import { waitFor } from '../../libs/testkit/src';
import { PLATFORMS, RunningApp, startApp } from '../support/apps/platforms';

let gate: Promise<void> = Promise.resolve();
let entered = 0;

@Controller()
class LeaseController {
  @ThrottleScope('export') @Get('export') async export(@Headers('x-user') _user?: string) {
    entered++;
    await gate;
    return 'done';
  }
  @ThrottleScope('reports') @Get('reports') reports() {
    return 'reported';
  }
}

const SCOPES: ThrottleModuleOptions['scopes'] = {
  export: { concurrency: 2, leaseMs: 5_000, key: 'header:x-user' },
  reports: { rate: '1000/s', priority: 'low' },
};

describe.each(PLATFORMS)('OpenTelemetry lease and shedding metrics over %s', (platform) => {
  let app: RunningApp | undefined;
  let exporter: InMemoryMetricExporter;
  let meterProvider: MeterProvider;
  let pressure: Pressure;
  let open: () => void;
  let clock: FakeClock;
  beforeEach(() => {
    entered = 0;
    clock = new FakeClock();
    gate = new Promise((resolve) => (open = resolve));
    pressure = { eventLoopUtilization: 0, eventLoopDelayMs: 0 };
    exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] });
  });
  afterEach(async () => {
    open();
    await app?.close();
    app = undefined;
    await meterProvider.shutdown();
  });
  const start = async (backends: ('prometheus' | 'otel')[]) => {
    const throttle = ThrottleModule.forRoot({ scopes: SCOPES, shed: { eventLoopUtilization: 0.9 }, metrics: { backends, meterProvider } });
    const moduleRef = await Test.createTestingModule({ imports: [throttle], controllers: [LeaseController] })
      .overrideProvider(ThrottleClock)
      .useValue(clock)
      .overrideProvider(PressureProbe)
      .useValue({ pressure: () => pressure })
      .compile();
    return (app = await startApp(moduleRef, platform));
  };
  /** The OTel data points of `name`, as "attribute=value count". */
  const otel = async (name: string) => {
    await meterProvider.forceFlush();
    const metrics =
      exporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
    const points = metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? [];
    return points.map((p) => `${labels(p.attributes)} ${p.value as number}`).sort();
  };
  /** The Prometheus samples of `name`, as "label=value count". */
  const prometheus = async (a: RunningApp, name: string) => {
    const { values } = await a.app.get(ThrottleMetrics).registry.getSingleMetric(name)!.get();
    return values.map((v) => `${labels(v.labels)} ${v.value}`).sort();
  };
  const send = (a: RunningApp, n: number) => a.get('/export', { 'x-user': `${platform}-u` }, `127.0.0.${10 + n}`);

  it("metrics: ['prometheus', 'otel'] count the same leases held, expiries and refusals in both", async () => {
    const a = await start(['prometheus', 'otel']);
    const held = [send(a, 1), send(a, 2)];
    await waitFor('both leases held', () => entered === 2);
    expect(await otel('throttle.leases_held')).toEqual(['scope=export 2']);
    expect(await prometheus(a, 'throttle_leases_held')).toEqual(['scope=export 2']);
    expect((await send(a, 3)).status).toBe(429);
    expect(await otel('throttle.decisions')).toEqual(['result=allowed,scope=export 2', 'result=throttled,scope=export 1']);
    clock.advance(5_000); // both leases expire unreleased: the next request finds them
    const third = send(a, 4);
    await waitFor('a request admitted past the expired leases', () => entered === 3);
    expect(await otel('throttle.lease_expiries')).toEqual(['scope=export 2']);
    expect(await prometheus(a, 'throttle_lease_expiries_total')).toEqual(['scope=export 2']);
    expect(await otel('throttle.leases_held')).toEqual(['scope=export 3']); // this process's requests in flight
    open();
    expect((await Promise.all([...held, third])).map((r) => r.status)).toEqual([200, 200, 200]);
    await waitFor('every lease given back', async () => (await prometheus(a, 'throttle_leases_held'))[0] === 'scope=export 0');
    expect(await otel('throttle.leases_held')).toEqual(['scope=export 0']);
  });

  it("a shed request counts in throttle.shed, with 'otel' alone too", async () => {
    const a = await start(['otel']);
    expect((await a.get('/reports')).status).toBe(200);
    expect(await otel('throttle.shed')).toEqual([]);
    pressure = { eventLoopUtilization: 0.95, eventLoopDelayMs: 0 };
    expect([(await a.get('/reports')).status, (await a.get('/reports')).status]).toEqual([503, 503]);
    expect(await otel('throttle.shed')).toEqual(['priority=low 2']);
    expect(a.app.get(ThrottleMetrics)).toBeUndefined(); // 'otel' alone registers no Prometheus metrics
  });

  it("metrics: ['prometheus', 'otel'] count a shed request in both", async () => {
    const a = await start(['prometheus', 'otel']);
    pressure = { eventLoopUtilization: 0.95, eventLoopDelayMs: 0 };
    expect((await a.get('/reports')).status).toBe(503);
    expect(await otel('throttle.shed')).toEqual(['priority=low 1']);
    expect(await prometheus(a, 'throttle_shed_total')).toEqual(['priority=low 1']);
  });
});

/** Attributes or labels as "k=v,...", sorted by name. */
function labels(attributes: object): string {
  return Object.entries(attributes)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}
