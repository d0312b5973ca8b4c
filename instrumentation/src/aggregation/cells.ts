import { bucketIndex } from '@otel-ml/conventions';

/** Metric attribute values used by the aggregation (never raw feature values, scores or ids). */
export type AttributeValue = string | number | boolean;
export type MetricAttributes = Readonly<Record<string, AttributeValue>>;

/** Something that accepts histogram recordings; used to mirror a cell into an SDK instrument. */
export interface HistogramMirror {
  record(value: number): void;
}

/** Something that accepts counter increments; used to mirror a cell into an SDK instrument. */
export interface CounterMirror {
  add(value: number): void;
}

let nextCellId = 0;

/**
 * One explicit-bucket histogram time series (metric name + attribute set), stored as a
 * Float64Array of bucket counts plus count/sum/min/max. Bucket semantics are those of
 * OpenTelemetry (see `ExplicitHistogram` in `@otel-ml/conventions`).
 */
export class HistogramCell {
  readonly kind = 'histogram' as const;
  readonly id = nextCellId++;
  readonly counts: Float64Array;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  mirror: HistogramMirror | undefined = undefined;

  constructor(
    readonly metric: string,
    readonly attributes: MetricAttributes,
    readonly boundaries: readonly number[],
    readonly startTimeMs: number,
  ) {
    this.counts = new Float64Array(boundaries.length + 1);
  }

  /** Records a finite value (callers check finiteness). */
  record(value: number): void {
    this.counts[bucketIndex(this.boundaries, value)]! += 1;
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.mirror !== undefined) this.mirror.record(value);
  }
}

/** One monotonic counter time series (metric name + attribute set). */
export class CounterCell {
  readonly kind = 'sum' as const;
  readonly id = nextCellId++;
  value = 0;
  mirror: CounterMirror | undefined = undefined;

  constructor(
    readonly metric: string,
    readonly attributes: MetricAttributes,
    readonly startTimeMs: number,
  ) {}

  add(n: number): void {
    this.value += n;
    if (this.mirror !== undefined) this.mirror.add(n);
  }
}

export type Cell = HistogramCell | CounterCell;
