import { describe, expect, it } from 'vitest';
import { metrics as apiMetrics, SpanKind } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_TASK,
  ATTR_ML_PREDICTION_ID,
  METRIC_ML_FEATURE_VALUE,
  METRIC_ML_PREDICTIONS,
  METRIC_ML_PREDICTION_SCORE_BUCKETS,
  ML_MODEL_TASK_VALUE_BINARY_CLASSIFICATION,
} from '@otel-ml/conventions';
import { assertConforms, liveCheck } from '@otel-ml/conventions/live-check';

async function collect(record: (meter: ReturnType<MeterProvider['getMeter']>) => void) {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ readers: [reader] });
  record(provider.getMeter('test'));
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  await provider.shutdown();
  return [resourceMetrics];
}

describe('live-check', () => {
  it('accepts metrics that follow the registry', async () => {
    const rms = await collect((meter) => {
      const h = meter.createHistogram(METRIC_ML_FEATURE_VALUE, { unit: '1' });
      h.record(3, {
        [ATTR_ML_MODEL_NAME]: 'fraud',
        [ATTR_ML_FEATURE_NAME]: 'amount',
        [ATTR_ML_MODEL_TASK]: ML_MODEL_TASK_VALUE_BINARY_CLASSIFICATION,
      });
      const c = meter.createCounter(METRIC_ML_PREDICTIONS, { unit: '{prediction}' });
      c.add(1, { [ATTR_ML_MODEL_NAME]: 'fraud', 'ml.prediction.class': '1', 'ml.slice.region': 'eu' });
    });
    const report = assertConforms({ metrics: rms });
    expect(report.metricsSeen).toEqual({ [METRIC_ML_FEATURE_VALUE]: 1, [METRIC_ML_PREDICTIONS]: 1 });
  });

  it('reports an undefined attribute and a missing required attribute', async () => {
    const rms = await collect((meter) => {
      const h = meter.createHistogram(METRIC_ML_FEATURE_VALUE, { unit: '1' });
      // ml.feature.name (required) is missing; ml.feature.colour is not in the registry.
      h.record(3, { [ATTR_ML_MODEL_NAME]: 'fraud', 'ml.feature.colour': 'red' });
    });
    const report = liveCheck({ metrics: rms });
    const kinds = report.violations.map((v) => `${v.kind}:${v.attribute}`).sort();
    expect(kinds).toEqual(['missing_required_attribute:ml.feature.name', 'unknown_attribute:ml.feature.colour']);
    expect(() => assertConforms({ metrics: rms })).toThrow(/required attribute "ml.feature.name" is missing/);
  });

  it('reports unknown metrics, wrong units, wrong instruments, bad enum values and unbounded attributes on metrics', async () => {
    const rms = await collect((meter) => {
      meter.createCounter('ml.predictionz').add(1, { [ATTR_ML_MODEL_NAME]: 'm' });
      meter.createHistogram(METRIC_ML_PREDICTIONS, { unit: 's' }).record(1, { [ATTR_ML_MODEL_NAME]: 'm' });
      meter.createCounter('ml.feature.missing', { unit: '{value}' }).add(1, {
        [ATTR_ML_MODEL_NAME]: 'm',
        [ATTR_ML_FEATURE_NAME]: 'x',
        [ATTR_ML_MODEL_TASK]: 'clustering',
        [ATTR_ML_PREDICTION_ID]: 'p-1',
      });
      meter.createCounter('http.requests').add(1, { route: '/' });
    });
    const kinds = liveCheck({ metrics: rms })
      .violations.map((v) => v.kind)
      .sort();
    expect(kinds).toEqual([
      'attribute_not_allowed',
      'not_for_metrics',
      'undefined_enum_value',
      'unknown_metric',
      'wrong_instrument',
      'wrong_unit',
    ]);
  });

  it('checks spans: names, attribute types and required attributes', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('test');
    tracer
      .startSpan('predict fraud', {
        kind: SpanKind.INTERNAL,
        attributes: { 'ml.operation.name': 'predict', [ATTR_ML_MODEL_NAME]: 'fraud', 'ml.batch.size': 4 },
      })
      .end();
    tracer
      .startSpan('predict', {
        kind: SpanKind.CLIENT,
        attributes: { 'ml.operation.name': 'predict', [ATTR_ML_MODEL_NAME]: 'fraud', 'ml.batch.size': 'four' },
      })
      .end();
    tracer.startSpan('GET /', { attributes: { 'http.route': '/' } }).end();
    const report = liveCheck({ spans: exporter.getFinishedSpans() });
    expect(report.spansSeen).toBe(2);
    expect(report.violations.map((v) => v.kind).sort()).toEqual(['unknown_span', 'wrong_type']);
    await provider.shutdown();
  });

  it('checks span events: ml.features carries text values under ml.feature.input.<name>', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('test');
    const span = (events: [string, Record<string, string | number>][]) => {
      const s = tracer.startSpan('predict fraud', {
        attributes: { 'ml.operation.name': 'predict', [ATTR_ML_MODEL_NAME]: 'fraud' },
      });
      for (const [name, attrs] of events) s.addEvent(name, attrs);
      s.end();
    };
    span([
      [
        'ml.features',
        { 'ml.feature.input.amount': '129.5', 'ml.feature.input.country': 'DE', 'ml.prediction.id': 'p-1' },
      ],
      ['exception', { 'exception.message': 'x' }],
    ]);
    const ok = liveCheck({ spans: exporter.getFinishedSpans() });
    expect(ok.violations).toEqual([]);
    expect(ok.eventsSeen).toBe(1);
    exporter.reset();
    span([
      ['ml.features', { 'ml.feature.input.amount': 129.5 }],
      ['ml.features', { 'feature.amount': '1' }],
      ['ml.feature', {}],
    ]);
    const kinds = liveCheck({ spans: exporter.getFinishedSpans() })
      .violations.map((v) => v.kind)
      .sort();
    expect(kinds).toEqual(['missing_required_attribute', 'unknown_event', 'wrong_type']);
    await provider.shutdown();
  });

  it('checks events on log records', () => {
    const good = {
      eventName: 'ml.drift.detected',
      attributes: {
        'ml.model.name': 'fraud',
        'ml.drift.reference': 'baseline',
        'ml.window.start': '2026-01-01T00:00:00Z',
        'ml.window.end': '2026-01-01T00:05:00Z',
        'ml.window.current_count': 500,
        'ml.window.reference_count': 10000,
        'ml.drift.features': ['amount'],
      },
    };
    expect(liveCheck({ logs: [good] }).violations).toEqual([]);
    const bad = {
      eventName: 'ml.drift.detected',
      attributes: { 'ml.model.name': 'fraud', 'ml.drift.reference': 'yesterday' },
    };
    const kinds = liveCheck({ logs: [bad, { eventName: 'ml.drift.found', attributes: {} }] }).violations.map(
      (v) => v.kind,
    );
    expect(kinds).toContain('undefined_enum_value');
    expect(kinds).toContain('unknown_event');
    expect(kinds.filter((k) => k === 'missing_required_attribute')).toHaveLength(5);
  });

  it('keeps the registry buckets the processor relies on', () => {
    expect(METRIC_ML_PREDICTION_SCORE_BUCKETS).toHaveLength(199);
    expect(METRIC_ML_PREDICTION_SCORE_BUCKETS[0]).toBe(0.005);
    expect(METRIC_ML_PREDICTION_SCORE_BUCKETS[99]).toBe(0.5);
    expect(METRIC_ML_PREDICTION_SCORE_BUCKETS[198]).toBe(0.995);
    void apiMetrics;
  });
});
