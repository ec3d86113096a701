import type { OtelMetricsOptions } from '../metrics/otel-metrics';
import type { ThrottleMetricsOptions } from '../metrics/throttle-metrics';
import { checkKnownKeys } from './grammar/known-keys';

/** Where metrics go: `prometheus` (prom-client, {@link ThrottleMetrics}) or `otel` (the OpenTelemetry Meter and active span). */
export type MetricsBackend = 'prometheus' | 'otel';

/** The object form of the `metrics` option: the Prometheus registry and prefix, the OTel meter provider, and which backends. */
export interface MetricsOptions extends ThrottleMetricsOptions, OtelMetricsOptions {
  /** Default `['prometheus']`. */
  backends?: MetricsBackend[];
}

/** The `metrics` option: `true` (= `prometheus`), a backend, a list of backends, or {@link MetricsOptions}. */
export type MetricsOption = boolean | MetricsBackend | MetricsBackend[] | MetricsOptions;

/** The `metrics` option after validation: each backend's options, or `false` when it is off. */
export interface MetricsConfig {
  readonly prometheus: false | ThrottleMetricsOptions;
  readonly otel: false | OtelMetricsOptions;
}

const BACKENDS: readonly MetricsBackend[] = ['prometheus', 'otel'];
const OFF: MetricsConfig = { prometheus: false, otel: false };

/** Validates the `metrics` option; pushes a readable line per problem. */
export function metricsOption(value: unknown, problems: string[]): MetricsConfig {
  if (value === undefined || value === false) return OFF;
  if (value === true) return { prometheus: {}, otel: false };
  if (typeof value === 'string' || Array.isArray(value)) return backends(value, {}, problems);
  if (value !== null && typeof value === 'object') {
    checkKnownKeys(value, ['registry', 'prefix', 'backends', 'meterProvider'], 'metrics option', problems);
    const { backends: list, registry, prefix, meterProvider } = value as MetricsOptions;
    const prometheus: ThrottleMetricsOptions = { ...(registry && { registry }), ...(prefix !== undefined && { prefix }) };
    const config = backends(list ?? ['prometheus'], prometheus, problems);
    return config.otel === false ? config : { ...config, otel: meterProvider === undefined ? {} : { meterProvider } };
  }
  problems.push(
    `metrics must be true, false, "prometheus", "otel", a list of them or { registry, prefix, backends, meterProvider }, got ${JSON.stringify(value)}`,
  );
  return OFF;
}

function backends(value: unknown, prometheus: ThrottleMetricsOptions, problems: string[]): MetricsConfig {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  const bad = list.filter((b) => !BACKENDS.includes(b as MetricsBackend));
  if (bad.length > 0 || list.length === 0) {
    problems.push(`metrics backends must be ${BACKENDS.join(' and/or ')}, got ${JSON.stringify(value)}`);
    return OFF;
  }
  return { prometheus: list.includes('prometheus') ? prometheus : false, otel: list.includes('otel') ? {} : false };
}
