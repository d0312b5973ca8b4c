import { ExponentialAccumulator } from '@otel-ml/conventions';

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
 * Finds the bucket of a value on fixed explicit boundaries: the same result as `bucketIndex`
 * from `@otel-ml/conventions` (first i with v <= b[i], else n), usually in O(1). Evenly spaced
 * boundaries (the score and projection layouts) give the index by arithmetic, i = ceil((v - b[0]) / step),
 * corrected by a compare on each side for rounding. Other layouts use a uniform grid over
 * [b[0], b[n-1]] that gives for each grid cell the first boundary not below the cell's start,
 * from which a short scan finishes the search; boundary sets whose grid cells would hold too
 * many boundaries (e.g. log-like scales) use a binary search instead.
 */
export class BucketLocator {
  readonly boundaries: readonly number[];
  private readonly b: Float64Array;
  private readonly n: number;
  private readonly lo: number;
  private readonly scale: number;
  private readonly grid: Int32Array | undefined;
  /** 1 / step of evenly spaced boundaries, else 0. */
  private readonly perStep: number;

  constructor(boundaries: readonly number[]) {
    this.boundaries = Object.freeze([...boundaries]);
    this.b = Float64Array.from(boundaries);
    this.n = boundaries.length;
    this.lo = this.n > 0 ? this.b[0]! : 0;
    const span = this.n > 1 ? this.b[this.n - 1]! - this.lo : 0;
    this.perStep = evenStep(this.b) > 0 ? (this.n - 1) / span : 0;
    const cells = this.n * 4;
    this.scale = span > 0 ? cells / span : 0;
    let grid: Int32Array | undefined;
    if (this.scale > 0 && Number.isFinite(this.scale)) {
      grid = new Int32Array(cells + 1);
      let i = 0;
      let worst = 0;
      for (let k = 0; k <= cells; k++) {
        const start = this.lo + k / this.scale;
        const first = i;
        while (i < this.n && this.b[i]! < start) i++;
        grid[k] = i;
        if (i - first > worst) worst = i - first;
      }
      if (worst > 4) grid = undefined;
    }
    this.grid = grid;
  }

  /** Bucket index of `v` (finite): b[i-1] < v <= b[i]. */
  index(v: number): number {
    const b = this.b;
    const n = this.n;
    if (this.perStep > 0) {
      if (v <= this.lo) return 0;
      let i = Math.ceil((v - this.lo) * this.perStep);
      if (i >= n) return v <= b[n - 1]! ? n - 1 : n;
      while (i > 0 && b[i - 1]! >= v) i--;
      while (i < n && b[i]! < v) i++;
      return i;
    }
    const grid = this.grid;
    if (grid !== undefined) {
      if (v <= this.lo) return 0;
      const k = Math.floor((v - this.lo) * this.scale);
      if (k >= grid.length) return v <= b[n - 1]! ? n - 1 : n;
      let i = grid[k]!;
      while (i > 0 && b[i - 1]! >= v) i--;
      while (i < n && b[i]! < v) i++;
      return i;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= b[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * The step of boundaries spaced evenly (each within a millionth of a step of b[0] + i * step), or
 * 0: then the arithmetic estimate of an index is off by at most one, which the scans correct.
 */
function evenStep(b: Float64Array): number {
  const n = b.length;
  if (n < 3) return 0;
  const step = (b[n - 1]! - b[0]!) / (n - 1);
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let i = 1; i < n - 1; i++) if (Math.abs(b[i]! - (b[0]! + i * step)) > step * 1e-6) return 0;
  return step;
}

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

  readonly boundaries: readonly number[];

  constructor(
    readonly metric: string,
    readonly attributes: MetricAttributes,
    private readonly locator: BucketLocator,
    readonly startTimeMs: number,
  ) {
    this.boundaries = locator.boundaries;
    this.counts = new Float64Array(locator.boundaries.length + 1);
  }

  /** Records a finite value (callers check finiteness). */
  record(value: number): void {
    this.counts[this.locator.index(value)]! += 1;
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.mirror !== undefined) this.mirror.record(value);
  }
}

/**
 * One base-2 exponential histogram time series (metric name + attribute set): the conventions'
 * {@link ExponentialAccumulator} (scale from 20, lowered as values arrive so that each sign fits
 * `maxBuckets`), with the series identity. Bucket rules: `exponential.ts` in `@otel-ml/conventions`.
 */
export class ExponentialCell extends ExponentialAccumulator {
  readonly kind = 'exponential' as const;
  readonly id = nextCellId++;
  mirror: HistogramMirror | undefined = undefined;

  constructor(
    readonly metric: string,
    readonly attributes: MetricAttributes,
    maxBuckets: number,
    maxScale: number,
    readonly startTimeMs: number,
  ) {
    super(maxBuckets, maxScale);
  }

  /** Records a finite value (callers check finiteness). */
  override record(value: number): void {
    super.record(value);
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

export type Cell = HistogramCell | ExponentialCell | CounterCell;
