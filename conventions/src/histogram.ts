/**
 * The histogram model that the instrumentation and the processor share.
 *
 * Bucket semantics follow OpenTelemetry explicit-bucket histograms: with
 * boundaries b[0] < b[1] < ... < b[n-1], bucket 0 counts values v <= b[0],
 * bucket i (0 < i < n) counts b[i-1] < v <= b[i], and bucket n counts v > b[n-1].
 * So `counts.length === boundaries.length + 1` always.
 */
export interface ExplicitHistogram {
  /** Strictly increasing, finite upper bounds (inclusive). */
  readonly boundaries: readonly number[];
  /** Counts per bucket, length `boundaries.length + 1`. */
  readonly counts: readonly number[];
  /** Total number of observations; equals the sum of `counts`. */
  readonly count: number;
  /** Sum of the observed values (NaN when unknown). */
  readonly sum: number;
  /** Smallest observed value, when known. */
  readonly min?: number;
  /** Largest observed value, when known. */
  readonly max?: number;
}

/** One side (positive or negative) of an OpenTelemetry exponential histogram. */
export interface ExponentialBuckets {
  /** Index of the first bucket in `bucketCounts`. */
  readonly offset: number;
  readonly bucketCounts: readonly number[];
}

/**
 * An OpenTelemetry base-2 exponential histogram. With base = 2^(2^-scale),
 * positive bucket index i counts values in (base^i, base^(i+1)].
 */
export interface ExponentialHistogram {
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold?: number;
  readonly positive: ExponentialBuckets;
  readonly negative: ExponentialBuckets;
  readonly count: number;
  readonly sum: number;
  readonly min?: number;
  readonly max?: number;
}

/** Counts per category; categories beyond the allowed set are folded into the overflow value. */
export interface CategoricalCounts {
  readonly counts: Readonly<Record<string, number>>;
}

/** Throws a descriptive error when `h` breaks the invariants of {@link ExplicitHistogram}. */
export function assertValidExplicitHistogram(h: ExplicitHistogram, what = 'histogram'): void {
  const { boundaries, counts } = h;
  if (counts.length !== boundaries.length + 1) {
    throw new RangeError(
      `${what}: ${counts.length} counts for ${boundaries.length} boundaries (expected ${boundaries.length + 1})`,
    );
  }
  for (let i = 0; i < boundaries.length; i++) {
    const b = boundaries[i]!;
    if (!Number.isFinite(b)) throw new RangeError(`${what}: boundary ${i} is not finite (${b})`);
    if (i > 0 && !(b > boundaries[i - 1]!))
      throw new RangeError(`${what}: boundaries are not strictly increasing at index ${i}`);
  }
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (!Number.isFinite(c) || c < 0) throw new RangeError(`${what}: count ${i} is negative or not finite (${c})`);
    total += c;
  }
  if (Math.abs(total - h.count) > 1e-9 * Math.max(1, total)) {
    throw new RangeError(`${what}: bucket counts add up to ${total} but count is ${h.count}`);
  }
}

/** Index of the bucket that `value` falls into, by the semantics above (binary search). */
export function bucketIndex(boundaries: readonly number[], value: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= boundaries[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
