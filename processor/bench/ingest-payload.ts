/**
 * Realistic OTLP metrics payloads for the ingest benchmarks: histogram data points shaped like
 * ml.prediction.score (199 boundaries, 200 buckets) with the instrumentation's attributes, and
 * exponential histogram points shaped like the instrumentation's ml.feature.value (160 buckets).
 */
import { ExportMetricsServiceRequest } from '../src/otlp/schema.js';
import { seededUniform } from '../src/statistics/random.js';

export interface PayloadShape {
  readonly points: number;
  readonly buckets: number;
  /** Points per metric series group (one Metric message per group). */
  readonly pointsPerMetric?: number;
}

const BASE_NS = 1_700_000_000_000_000_000n;

const kv = (key: string, value: string | number) =>
  typeof value === 'string' ? { key, value: { stringValue: value } } : { key, value: { intValue: value } };

export function buildHistogramRequest(shape: PayloadShape, seed = 1): object {
  const rand = seededUniform(seed);
  const bounds = Array.from({ length: shape.buckets - 1 }, (_, i) => (i + 1) / shape.buckets);
  const perMetric = shape.pointsPerMetric ?? 100;
  const metrics = [];
  for (let start = 0; start < shape.points; start += perMetric) {
    const dataPoints = [];
    for (let i = start; i < Math.min(shape.points, start + perMetric); i++) {
      const bucketCounts = bounds.map(() => Math.floor(rand() * 50));
      bucketCounts.push(Math.floor(rand() * 50));
      const count = bucketCounts.reduce((a, b) => a + b, 0);
      dataPoints.push({
        attributes: [
          kv('ml.model.name', `model-${i % 7}`),
          kv('ml.model.version', '1.4.2'),
          kv('ml.model.task', 'binary_classification'),
          kv('ml.deployment.role', 'primary'),
          kv('ml.feature.name', `feature_${i}`),
        ],
        startTimeUnixNano: (BASE_NS + BigInt(i)).toString(),
        timeUnixNano: (BASE_NS + 60_000_000_000n + BigInt(i)).toString(),
        count,
        sum: count * 0.5,
        min: 0.001,
        max: 0.999,
        bucketCounts,
        explicitBounds: bounds,
      });
    }
    metrics.push({ name: 'ml.feature.value', unit: '1', histogram: { aggregationTemporality: 1, dataPoints } });
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'scoring-api'), kv('deployment.environment.name', 'prod')] },
        scopeMetrics: [{ scope: { name: '@otel-ml/instrumentation', version: '0.1.0' }, metrics }],
      },
    ],
  };
}

/**
 * Delta exponential histogram points of ml.feature.value as the instrumentation exports them: a
 * scale of 7, `buckets` positive buckets (a feature spanning some 1.25 octaves), a few zeros.
 */
export function buildExponentialRequest(shape: PayloadShape, seed = 1): object {
  const rand = seededUniform(seed);
  const perMetric = shape.pointsPerMetric ?? 100;
  const metrics = [];
  for (let start = 0; start < shape.points; start += perMetric) {
    const dataPoints = [];
    for (let i = start; i < Math.min(shape.points, start + perMetric); i++) {
      const bucketCounts = Array.from({ length: shape.buckets }, () => Math.floor(rand() * 50));
      const zeroCount = Math.floor(rand() * 5);
      const count = bucketCounts.reduce((a, b) => a + b, zeroCount);
      dataPoints.push({
        attributes: [
          kv('ml.model.name', `model-${i % 7}`),
          kv('ml.model.version', '1.4.2'),
          kv('ml.model.task', 'binary_classification'),
          kv('ml.deployment.role', 'primary'),
          kv('ml.feature.name', `feature_${i}`),
        ],
        startTimeUnixNano: (BASE_NS + BigInt(i)).toString(),
        timeUnixNano: (BASE_NS + 60_000_000_000n + BigInt(i)).toString(),
        count,
        sum: count * 30,
        min: 0,
        max: 70,
        scale: 7,
        zeroCount,
        positive: { offset: 560 + (i % 16), bucketCounts },
        negative: { offset: 0, bucketCounts: [] },
      });
    }
    metrics.push({ name: 'ml.feature.value', unit: '1', exponentialHistogram: { aggregationTemporality: 1, dataPoints } });
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'scoring-api'), kv('deployment.environment.name', 'prod')] },
        scopeMetrics: [{ scope: { name: '@otel-ml/instrumentation', version: '0.1.0' }, metrics }],
      },
    ],
  };
}

export function encodeRequest(request: object): Uint8Array {
  return ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(request)).finish();
}
