import { afterAll, describe, expect, it } from 'vitest';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { liveCheck } from '@otel-ml/conventions/live-check';
import { createMlMetricProducer, createModelMonitor } from '@otel-ml/instrumentation';

// The documented setup: one producer for every monitor, registered with NodeSDK's reader;
// monitors use the global tracer provider.
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
const spanExporter = new InMemorySpanExporter();
const producer = createMlMetricProducer();
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
  metricProducers: [producer],
});
producer.bindReader(reader);
const sdk = new NodeSDK({
  serviceName: 'scoring-api',
  metricReaders: [reader],
  spanProcessors: [new SimpleSpanProcessor(spanExporter)],
  instrumentations: [],
});
sdk.start();
afterAll(async () => {
  await sdk.shutdown();
});

describe('NodeSDK registration', () => {
  it('exports the monitor metrics with the SDK resource and the exporter temporality, and spans to the global provider', async () => {
    const monitor = createModelMonitor({
      model: { name: 'fraud', version: '1', task: 'binary_classification' },
      features: [{ name: 'amount', type: 'numeric' }],
    });
    const predict = monitor.wrap((amount: number) => amount / 100, {
      inputs: (amount) => [{ amount }],
      outputs: (score) => [{ score }],
    });
    expect(predict(42)).toBe(0.42);
    await reader.forceFlush();
    const exported = metricExporter.getMetrics();
    expect(exported.length).toBeGreaterThan(0);
    const rm = exported[exported.length - 1]!;
    expect(rm.resource.attributes['service.name']).toBe('scoring-api');
    const metrics = rm.scopeMetrics.flatMap((s) => s.metrics);
    const score = metrics.find((m) => m.descriptor.name === 'ml.prediction.score')!;
    expect(score.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(score.aggregationTemporality).toBe(AggregationTemporality.DELTA);
    const spans = spanExporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toContain('predict fraud');
    expect(liveCheck({ metrics: [rm], spans }).violations).toEqual([]);
    await monitor.shutdown();
  });
});
