/**
 * The official OpenTelemetry JS metric exporters (OTLP/HTTP JSON, OTLP/HTTP protobuf with and
 * without gzip, OTLP/gRPC) send from a real MeterProvider to our receivers, with delta and
 * cumulative temporality; the decoded content is checked field by field, an exponential
 * histogram (the SDK's aggregation under the View the instrumentation offers) included.
 */
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as JsonExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExponentialAccumulator } from '@otel-ml/conventions';
import { DEFAULT_EXPONENTIAL_MAX_BUCKETS, mlFeatureValueView } from '@otel-ml/instrumentation';
import type {
  ExponentialHistogramPoint,
  HistogramPoint,
  Metric,
  MetricsExport,
  NumberPoint,
} from '../../../processor/src/otlp/index.js';
import {
  createGrpcReceiver,
  createHttpReceiver,
  type GrpcReceiver,
  type HttpReceiver,
} from '../../../processor/src/receiver/index.js';
import { RecordingConsumer } from './helpers.js';

const consumer = new RecordingConsumer();
const requestHeaders: { contentType?: string; contentEncoding?: string }[] = [];
let http: HttpReceiver;
let grpc: GrpcReceiver;
let httpBase = '';
let grpcUrl = '';

beforeAll(async () => {
  http = createHttpReceiver({ consumer, port: 0 });
  http.server.on('request', (req) =>
    requestHeaders.push({ contentType: req.headers['content-type'], contentEncoding: req.headers['content-encoding'] }),
  );
  grpc = createGrpcReceiver({ consumer, port: 0 });
  httpBase = `http://127.0.0.1:${(await http.listen()).port}`;
  grpcUrl = `http://127.0.0.1:${(await grpc.listen()).port}`;
});

afterAll(async () => {
  await http.close(100);
  await grpc.close(100);
});

type Pref = AggregationTemporalityPreference;
const exporters: Record<
  string,
  { make: (t: Pref) => PushMetricExporter; transport: 'http' | 'grpc'; encoding: 'json' | 'protobuf'; gzip: boolean }
> = {
  'otlp-http (JSON)': {
    make: (t) => new JsonExporter({ url: `${httpBase}/v1/metrics`, temporalityPreference: t }),
    transport: 'http',
    encoding: 'json',
    gzip: false,
  },
  'otlp-proto': {
    make: (t) => new ProtoExporter({ url: `${httpBase}/v1/metrics`, temporalityPreference: t }),
    transport: 'http',
    encoding: 'protobuf',
    gzip: false,
  },
  'otlp-proto gzip': {
    make: (t) =>
      new ProtoExporter({ url: `${httpBase}/v1/metrics`, temporalityPreference: t, compression: 'gzip' as never }),
    transport: 'http',
    encoding: 'protobuf',
    gzip: true,
  },
  'otlp-grpc': {
    make: (t) => new GrpcExporter({ url: grpcUrl, temporalityPreference: t }),
    transport: 'grpc',
    encoding: 'protobuf',
    gzip: false,
  },
  'otlp-grpc gzip': {
    make: (t) => new GrpcExporter({ url: grpcUrl, temporalityPreference: t, compression: 'gzip' as never }),
    transport: 'grpc',
    encoding: 'protobuf',
    gzip: true,
  },
};

const ATTRS = { 'ml.model.name': 'churn', 'ml.model.version': '3', 'ml.batch.size': 4, 'ml.shadow': false };
const BOUNDS = [0.25, 0.5, 0.75];
/** Values of an exponential ml.feature.value: a zero, an exact power of two, a wide range. */
const FEATURE_VALUES = [0, 1, 4, 4.25, 97.5, 2500];
const FEATURE_LATER = 0.001;

function metricsOf(exp: MetricsExport): Map<string, Metric> {
  expect(exp.resourceMetrics).toHaveLength(1);
  expect(exp.resourceMetrics[0].resource.attributes['service.name']).toBe('exporter-test');
  const scopes = exp.resourceMetrics[0].scopeMetrics;
  expect(scopes).toHaveLength(1);
  expect(scopes[0].scope).toMatchObject({ name: 'otel-ml-test', version: '1.0.0' });
  return new Map(scopes[0].metrics.map((m) => [m.name, m]));
}

function onlyHistogramPoint(m: Metric | undefined, temporality: string): HistogramPoint {
  expect(m?.data.type).toBe('histogram');
  const d = m!.data as Extract<Metric['data'], { type: 'histogram' }>;
  expect(d.temporality).toBe(temporality);
  expect(d.points).toHaveLength(1);
  return d.points[0];
}

function onlyExponentialPoint(m: Metric | undefined, temporality: string): ExponentialHistogramPoint {
  expect(m?.data.type).toBe('exponential_histogram');
  const d = m!.data as Extract<Metric['data'], { type: 'exponential_histogram' }>;
  expect(d.temporality).toBe(temporality);
  expect(d.points).toHaveLength(1);
  return d.points[0];
}

/** What an exponential histogram of `values` holds, by the rules the instrumentation shares with the SDK. */
function expectedExponential(values: readonly number[]) {
  const a = new ExponentialAccumulator(DEFAULT_EXPONENTIAL_MAX_BUCKETS);
  for (const v of values) a.record(v);
  const h = a.histogram();
  return { scale: h.scale, zeroCount: h.zeroCount, positive: h.positive, count: h.count };
}

/** Buckets of one sign without the empty ones at the ends (the SDK may send them). */
function trimmed(b: { offset: number; bucketCounts: readonly number[] }) {
  const first = b.bucketCounts.findIndex((c) => c > 0);
  let last = b.bucketCounts.length - 1;
  while (last >= 0 && b.bucketCounts[last] === 0) last--;
  return first < 0
    ? { offset: 0, bucketCounts: [] }
    : { offset: b.offset + first, bucketCounts: b.bucketCounts.slice(first, last + 1) };
}

function onlySumPoint(m: Metric | undefined, temporality: string): NumberPoint {
  expect(m?.data.type).toBe('sum');
  const d = m!.data as Extract<Metric['data'], { type: 'sum' }>;
  expect(d.temporality).toBe(temporality);
  expect(d.isMonotonic).toBe(true);
  expect(d.points).toHaveLength(1);
  return d.points[0];
}

describe.each(Object.keys(exporters))('%s exporter', (name) => {
  const spec = exporters[name];
  for (const [label, pref] of [
    ['delta', AggregationTemporalityPreference.DELTA],
    ['cumulative', AggregationTemporalityPreference.CUMULATIVE],
  ] as const) {
    it(`${label} temporality: histogram and counter arrive intact`, async () => {
      const before = consumer.received.length;
      const headersBefore = requestHeaders.length;
      const t0 = BigInt(Date.now() - 5_000) * 1_000_000n;
      const reader = new PeriodicExportingMetricReader({ exporter: spec.make(pref), exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({
        resource: resourceFromAttributes({ 'service.name': 'exporter-test' }),
        readers: [reader],
        views: [mlFeatureValueView()],
      });
      const meter = provider.getMeter('otel-ml-test', '1.0.0');
      const hist = meter.createHistogram('ml.prediction.score', {
        unit: '1',
        advice: { explicitBucketBoundaries: BOUNDS },
      });
      const counter = meter.createCounter('ml.predictions', { unit: '{prediction}' });
      const feature = meter.createHistogram('ml.feature.value', { unit: '1' });
      for (const v of [0.1, 0.3, 0.3, 0.9]) hist.record(v, ATTRS);
      for (const v of FEATURE_VALUES) feature.record(v, ATTRS);
      counter.add(4, ATTRS);
      await provider.forceFlush();
      await consumer.waitFor(before + 1);
      hist.record(0.6, ATTRS);
      feature.record(FEATURE_LATER, ATTRS);
      counter.add(1, ATTRS);
      await provider.forceFlush();
      await consumer.waitFor(before + 2);
      await provider.shutdown();
      const t1 = BigInt(Date.now() + 5_000) * 1_000_000n;

      const [first, second] = consumer.received.slice(before, before + 2);
      for (const r of [first, second]) {
        expect(r.ctx.transport).toBe(spec.transport);
        expect(r.ctx.encoding).toBe(spec.encoding);
        expect(r.ctx.decodeRejectedDataPoints).toBe(0);
      }
      if (spec.transport === 'http') {
        const h = requestHeaders.slice(headersBefore);
        expect(h.length).toBeGreaterThanOrEqual(2);
        for (const x of h) {
          expect(x.contentType).toMatch(spec.encoding === 'json' ? /^application\/json/ : /^application\/x-protobuf/);
          expect(x.contentEncoding).toBe(spec.gzip ? 'gzip' : undefined);
        }
      }

      const m1 = metricsOf(first.exp);
      const h1 = onlyHistogramPoint(m1.get('ml.prediction.score'), label);
      expect(m1.get('ml.prediction.score')?.unit).toBe('1');
      expect(h1.attributes).toEqual(ATTRS);
      expect(h1.explicitBounds).toEqual(BOUNDS);
      expect(h1.bucketCounts).toEqual([1, 2, 0, 1]);
      expect(h1.count).toBe(4);
      expect(h1.sum).toBeCloseTo(1.6, 12);
      expect(h1.min).toBe(0.1);
      expect(h1.max).toBe(0.9);
      expect(typeof h1.timeUnixNano).toBe('bigint');
      expect(h1.timeUnixNano > t0 && h1.timeUnixNano < t1).toBe(true);
      expect(h1.startTimeUnixNano > t0 && h1.startTimeUnixNano <= h1.timeUnixNano).toBe(true);
      const e1 = onlyExponentialPoint(m1.get('ml.feature.value'), label);
      expect({ scale: e1.scale, zeroCount: e1.zeroCount, positive: trimmed(e1.positive), count: e1.count }).toEqual(
        expectedExponential(FEATURE_VALUES),
      );
      expect(e1.negative.bucketCounts.every((c) => c === 0)).toBe(true);
      expect([e1.min, e1.max]).toEqual([0, 2500]);
      expect(e1.sum).toBeCloseTo(2606.75, 9);
      const c1 = onlySumPoint(m1.get('ml.predictions'), label);
      expect(m1.get('ml.predictions')?.unit).toBe('{prediction}');
      expect(c1.attributes).toEqual(ATTRS);
      expect(c1.value).toBe(4);

      const m2 = metricsOf(second.exp);
      const h2 = onlyHistogramPoint(m2.get('ml.prediction.score'), label);
      const c2 = onlySumPoint(m2.get('ml.predictions'), label);
      const e2 = onlyExponentialPoint(m2.get('ml.feature.value'), label);
      expect(h2.timeUnixNano > h1.timeUnixNano).toBe(true);
      if (label === 'delta') {
        expect(h2.bucketCounts).toEqual([0, 0, 1, 0]);
        expect(h2.count).toBe(1);
        expect(h2.startTimeUnixNano >= h1.timeUnixNano).toBe(true);
        expect(c2.value).toBe(1);
        // the SDK starts each delta interval afresh: the later value alone, at the highest scale
        expect({ scale: e2.scale, zeroCount: e2.zeroCount, positive: trimmed(e2.positive), count: e2.count }).toEqual(
          expectedExponential([FEATURE_LATER]),
        );
      } else {
        expect(h2.bucketCounts).toEqual([1, 2, 1, 1]);
        expect(h2.count).toBe(5);
        expect(h2.startTimeUnixNano).toBe(h1.startTimeUnixNano);
        expect(c2.value).toBe(5);
        expect({ scale: e2.scale, zeroCount: e2.zeroCount, positive: trimmed(e2.positive), count: e2.count }).toEqual(
          expectedExponential([...FEATURE_VALUES, FEATURE_LATER]),
        );
        expect(c2.startTimeUnixNano).toBe(c1.startTimeUnixNano);
      }
    });
  }
});
