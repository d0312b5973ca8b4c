/** Builders of decoded OTLP exports for the stream/window/store tests. */
import type {
  Attributes,
  ExponentialHistogramPoint,
  HistogramPoint,
  Metric,
  MetricsExport,
  NumberPoint,
  ResourceMetrics,
  Temporality,
} from '../../../../processor/src/otlp/model.js';

/** A fixed wall-clock origin (ms), aligned to a day. */
export const T0 = Date.UTC(2026, 0, 1);
export const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

export function exportOf(...resourceMetrics: ResourceMetrics[]): MetricsExport {
  return { resourceMetrics };
}

export function resource(attributes: Attributes, ...metrics: Metric[]): ResourceMetrics {
  return {
    resource: { attributes },
    schemaUrl: '',
    scopeMetrics: [{ scope: { name: 'test', version: '1', attributes: {} }, schemaUrl: '', metrics }],
  };
}

export function histogramMetric(name: string, temporality: Temporality, ...points: HistogramPoint[]): Metric {
  return { name, description: '', unit: '1', data: { type: 'histogram', temporality, points } };
}

export function expHistogramMetric(
  name: string,
  temporality: Temporality,
  ...points: ExponentialHistogramPoint[]
): Metric {
  return { name, description: '', unit: '1', data: { type: 'exponential_histogram', temporality, points } };
}

export function sumMetric(name: string, temporality: Temporality, ...points: NumberPoint[]): Metric {
  return { name, description: '', unit: '1', data: { type: 'sum', temporality, isMonotonic: true, points } };
}

export function hp(
  attributes: Attributes,
  startMs: number,
  timeMs: number,
  bounds: readonly number[],
  counts: readonly number[],
  extra: Partial<HistogramPoint> = {},
): HistogramPoint {
  const count = counts.reduce((a, b) => a + b, 0);
  return {
    attributes,
    startTimeUnixNano: ns(startMs),
    timeUnixNano: ns(timeMs),
    flags: 0,
    count,
    sum: extra.sum ?? count,
    bucketCounts: counts,
    explicitBounds: bounds,
    ...extra,
  };
}

export function np(attributes: Attributes, startMs: number, timeMs: number, value: number, flags = 0): NumberPoint {
  return { attributes, startTimeUnixNano: ns(startMs), timeUnixNano: ns(timeMs), flags, value };
}

export const MODEL = {
  'ml.model.name': 'churn',
  'ml.model.version': '3',
  'ml.model.task': 'binary_classification',
} as const;
export const feature = (name: string, extra: Attributes = {}): Attributes => ({
  ...MODEL,
  'ml.feature.name': name,
  ...extra,
});
export const BOUNDS = [0, 10, 20, 30];
export const MODEL_KEY = JSON.stringify(['churn', '3', 'primary', '']);
