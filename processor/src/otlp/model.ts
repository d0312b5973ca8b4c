/**
 * The processor's in-memory form of an OTLP metrics export request, produced by the
 * protobuf and JSON decoders and consumed by the stream state. Only what the processor
 * uses is kept (exemplars are dropped). Timestamps stay 64-bit as bigint nanoseconds;
 * counts are plain numbers (exact up to 2^53).
 */

export type AttributeValue = string | number | boolean | bigint | readonly AttributeValue[] | null;
export type Attributes = Readonly<Record<string, AttributeValue>>;

export type Temporality = 'delta' | 'cumulative' | 'unspecified';

/** OTLP DataPointFlags.FLAG_NO_RECORDED_VALUE */
export const FLAG_NO_RECORDED_VALUE = 1;

interface PointBase {
  readonly attributes: Attributes;
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly flags: number;
}

export interface NumberPoint extends PointBase {
  readonly value: number;
}

export interface HistogramPoint extends PointBase {
  readonly count: number;
  readonly sum?: number;
  readonly bucketCounts: readonly number[];
  readonly explicitBounds: readonly number[];
  readonly min?: number;
  readonly max?: number;
}

export interface ExponentialHistogramPoint extends PointBase {
  readonly count: number;
  readonly sum?: number;
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: { readonly offset: number; readonly bucketCounts: readonly number[] };
  readonly negative: { readonly offset: number; readonly bucketCounts: readonly number[] };
  readonly min?: number;
  readonly max?: number;
}

export type MetricData =
  | { readonly type: 'gauge'; readonly points: readonly NumberPoint[] }
  | { readonly type: 'sum'; readonly temporality: Temporality; readonly isMonotonic: boolean; readonly points: readonly NumberPoint[] }
  | { readonly type: 'histogram'; readonly temporality: Temporality; readonly points: readonly HistogramPoint[] }
  | { readonly type: 'exponential_histogram'; readonly temporality: Temporality; readonly points: readonly ExponentialHistogramPoint[] }
  | { readonly type: 'summary'; readonly pointCount: number };

export interface Metric {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly data: MetricData;
}

export interface Scope {
  readonly name: string;
  readonly version: string;
  readonly attributes: Attributes;
}

export interface ScopeMetrics {
  readonly scope: Scope;
  readonly schemaUrl: string;
  readonly metrics: readonly Metric[];
}

export interface ResourceMetrics {
  readonly resource: { readonly attributes: Attributes };
  readonly schemaUrl: string;
  readonly scopeMetrics: readonly ScopeMetrics[];
}

export interface MetricsExport {
  readonly resourceMetrics: readonly ResourceMetrics[];
}

/**
 * What the consumer of a decoded export tells the receiver: how many points it refused and why.
 * A non-zero `rejectedDataPoints` becomes an OTLP `partial_success` in the response.
 */
export interface ConsumeResult {
  readonly rejectedDataPoints: number;
  readonly errorMessage?: string;
}
