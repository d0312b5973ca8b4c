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
  | {
      readonly type: 'sum';
      readonly temporality: Temporality;
      readonly isMonotonic: boolean;
      readonly points: readonly NumberPoint[];
    }
  | { readonly type: 'histogram'; readonly temporality: Temporality; readonly points: readonly HistogramPoint[] }
  | {
      readonly type: 'exponential_histogram';
      readonly temporality: Temporality;
      readonly points: readonly ExponentialHistogramPoint[];
    }
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

/** A span event (name and attributes; its time is not kept). */
export interface SpanEvent {
  readonly name: string;
  readonly attributes: Attributes;
}

/** The part of an OTLP span the processor reads: ids as lowercase hex, name, times, attributes, events. */
export interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Attributes;
  readonly events: readonly SpanEvent[];
}

/** The spans of one resource (scopes flattened: the processor does not key anything on them). */
export interface ResourceSpans {
  readonly resource: { readonly attributes: Attributes };
  readonly spans: readonly SpanRecord[];
}

/** A decoded ExportTraceServiceRequest; spans without a valid trace or span id are left out and counted. */
export interface TracesExport {
  readonly resourceSpans: readonly ResourceSpans[];
  readonly rejectedSpans: number;
}
