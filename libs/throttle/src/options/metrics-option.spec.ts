import { metricsOption } from './metrics-option';

describe('the metrics option', () => {
  const parse = (value: unknown) => {
    const problems: string[] = [];
    return { ...metricsOption(value, problems), problems };
  };

  it('keeps true meaning Prometheus, and selects backends by name, list or object', () => {
    expect(parse(true)).toEqual({ prometheus: {}, otel: false, problems: [] });
    expect(parse('otel')).toEqual({ prometheus: false, otel: {}, problems: [] });
    expect(parse(['prometheus', 'otel'])).toEqual({ prometheus: {}, otel: {}, problems: [] });
    expect(parse({ prefix: 'api_' })).toEqual({ prometheus: { prefix: 'api_' }, otel: false, problems: [] });
    const meterProvider = { getMeter: () => ({}) };
    expect(parse({ backends: ['otel'], meterProvider })).toEqual({ prometheus: false, otel: { meterProvider }, problems: [] });
  });

  it('names a bad backend or key instead of ignoring it', () => {
    expect(parse('opentelemetry').problems).toEqual(['metrics backends must be prometheus and/or otel, got "opentelemetry"']);
    expect(parse([]).problems).toEqual(['metrics backends must be prometheus and/or otel, got []']);
    expect(parse({ backend: ['otel'] }).problems).toEqual([expect.stringMatching(/^unknown metrics option "backend"/)]);
    expect(parse(1).problems).toEqual([expect.stringMatching(/^metrics must be true, false, "prometheus", "otel"/)]);
  });
});
