/**
 * Moving counts between bucket layouts: binning raw values, grouping fine
 * buckets into decile bins, and re-binning explicit or exponential histograms
 * with other boundaries onto a target layout.
 */
import {
  EXPONENTIAL_MAX_SCALE,
  ExponentialAccumulator,
  assertValidExplicitHistogram,
  bucketIndex,
} from '@otel-ml/conventions';
import type { ExplicitHistogram, ExponentialHistogram } from '@otel-ml/conventions';
import { StatisticsInputError, checkBoundaries } from './validate.js';

/** Sum, min and max of raw values; throws on a non-finite value (count missing values separately). */
function summary(values: ArrayLike<number>): { sum: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v))
      throw new StatisticsInputError(`value ${i} is not finite (${v}); count missing values separately`);
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { sum, min, max };
}

/**
 * Bins raw values into an explicit histogram on `boundaries` (OpenTelemetry
 * semantics: bucket i holds b[i-1] < v <= b[i]), with count, sum, min and max.
 * Non-finite values are rejected: count missing values separately.
 */
export function histogramFromValues(values: ArrayLike<number>, boundaries: readonly number[]): ExplicitHistogram {
  checkBoundaries(boundaries, 'histogram boundaries');
  const { sum, min, max } = summary(values);
  const counts = new Array<number>(boundaries.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[bucketIndex(boundaries, values[i]!)]! += 1;
  const h: ExplicitHistogram = { boundaries: [...boundaries], counts, count: values.length, sum };
  return values.length > 0 ? { ...h, min, max } : h;
}

export interface ExponentialBinningOptions {
  /** Most buckets per sign (default 160): the scale is lowered from `maxScale` until each sign fits. */
  readonly maxBuckets?: number;
  /** Scale to start from (default 20, the highest the conventions use). */
  readonly maxScale?: number;
}

/**
 * Bins raw values into a base-2 exponential histogram by the conventions' rules
 * (`exponentialIndex`; zero threshold 0, so only exact zeros go to the zero bucket): the scale
 * starts at `maxScale` and is lowered until the positive and the negative index ranges each fit
 * `maxBuckets` buckets, as an OpenTelemetry SDK aggregation with that bucket budget ends up after
 * seeing the same values. Count, sum, min and max are kept. Non-finite values are rejected.
 * Reference: OpenTelemetry metrics data model, "ExponentialHistogram"; SDK specification,
 * "Base2 Exponential Bucket Histogram Aggregation".
 */
export function exponentialFromValues(
  values: ArrayLike<number>,
  opts: ExponentialBinningOptions = {},
): ExponentialHistogram {
  summary(values); // rejects non-finite values
  // the conventions' accumulator: the instrumentation's aggregation, one value at a time
  const acc = new ExponentialAccumulator(opts.maxBuckets ?? 160, opts.maxScale ?? EXPONENTIAL_MAX_SCALE);
  for (let i = 0; i < values.length; i++) acc.record(values[i]!);
  return acc.histogram();
}

/**
 * Groups a fine histogram into coarser bins whose boundaries are a subset of
 * the fine ones (e.g. decile bins of the reference): coarse count j is the sum
 * of the fine buckets lying in (d[j-1], d[j]]. Exact; no interpolation.
 * Throws a {@link StatisticsInputError} naming the first coarse boundary that is
 * not a fine boundary.
 */
export function groupHistogram(h: ExplicitHistogram, decileBoundaries: readonly number[]): ExplicitHistogram {
  return { ...h, boundaries: [...decileBoundaries], counts: groupCounts(h, decileBoundaries) };
}

/** The coarse counts of {@link groupHistogram} alone (same checks and errors). */
export function groupCounts(h: ExplicitHistogram, decileBoundaries: readonly number[]): number[] {
  assertValidExplicitHistogram(h);
  checkBoundaries(decileBoundaries, 'decile boundaries');
  const counts = new Array<number>(decileBoundaries.length + 1).fill(0);
  let j = 0;
  for (let i = 0; i < h.counts.length; i++) {
    // fine bucket i has upper bound h.boundaries[i] (Infinity for the last)
    const upper = i < h.boundaries.length ? h.boundaries[i]! : Infinity;
    if (j < decileBoundaries.length && upper > decileBoundaries[j]!) {
      // the fine edges jumped over a coarse edge without meeting it
      throw new StatisticsInputError(
        `mismatched boundaries: coarse boundary ${decileBoundaries[j]} is not one of the histogram's boundaries`,
      );
    }
    counts[j]! += h.counts[i]!;
    if (j < decileBoundaries.length && upper === decileBoundaries[j]) j++;
  }
  return counts;
}

/** Outcome of a re-binning: the histogram on the target edges, or a refusal with its reason. */
export type RebinResult =
  | {
      readonly ok: true;
      readonly histogram: ExplicitHistogram;
      /** Share of the total count that was split between target buckets by interpolation (0 = exact). */
      readonly interpolatedFraction: number;
    }
  | { readonly ok: false; readonly reason: string };

export interface RebinOptions {
  /**
   * Refuse when more than this share of the count lies in source buckets that
   * straddle a target edge and so had to be split by interpolation (default 1,
   * i.e. off: fine source buckets straddling many target edges are harmless;
   * set it lower to insist on nearly aligned layouts).
   */
  readonly maxInterpolatedFraction?: number;
  /**
   * Refuse when a source bucket holding at least `coarseMassThreshold` of the
   * count overlaps more than this many target buckets, i.e. the source is far
   * coarser than the target there (default 4).
   */
  readonly maxTargetBucketsPerSource?: number;
  /** See `maxTargetBucketsPerSource` (default 0.02). */
  readonly coarseMassThreshold?: number;
}

/** A mass spread uniformly over [lo, hi] (a point mass when lo === hi). */
interface Piece {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
}

/**
 * Spreads each piece's count over the target buckets in proportion to the
 * length of overlap (uniform density within the piece); point masses go to the
 * bucket containing the point. Pieces must have finite ends.
 */
function distribute(
  pieces: readonly Piece[],
  target: readonly number[],
  total: number,
  opts: RebinOptions,
): { counts: number[]; interpolated: number } | string {
  const maxSpan = opts.maxTargetBucketsPerSource ?? 4;
  const massThreshold = opts.coarseMassThreshold ?? 0.02;
  const counts = new Array<number>(target.length + 1).fill(0);
  let interpolated = 0;
  for (const { lo, hi, count } of pieces) {
    if (count === 0) continue;
    const first = bucketIndex(target, lo);
    const last = bucketIndex(target, hi);
    // Buckets first..last overlap [lo, hi]; with lo exactly on a target edge the
    // bucket `first` only touches it at a point and gets zero length below.
    const span = last - first + (lo === target[first] ? 0 : 1);
    if (hi <= lo || span <= 1) {
      counts[last]! += count;
      continue;
    }
    if (span > maxSpan && count >= massThreshold * total) {
      return `a source bucket [${lo}, ${hi}] holding ${((100 * count) / total).toFixed(1)}% of the count spans ${span} target buckets (more than ${maxSpan}): source buckets are far coarser than the target`;
    }
    const width = hi - lo;
    let assigned = 0;
    for (let j = first; j <= last; j++) {
      const a = j === first ? lo : target[j - 1]!;
      const b = j === last ? hi : target[j]!;
      const share = j === last ? count - assigned : (count * Math.max(0, b - a)) / width;
      counts[j]! += share;
      assigned += share;
    }
    interpolated += count;
  }
  return { counts, interpolated };
}

function finish(
  source: { count: number; sum: number; min?: number; max?: number },
  target: readonly number[],
  pieces: readonly Piece[],
  opts: RebinOptions,
): RebinResult {
  const maxInterp = opts.maxInterpolatedFraction ?? 1;
  const total = source.count;
  const r = distribute(pieces, target, total, opts);
  if (typeof r === 'string') return { ok: false, reason: r };
  const fraction = total > 0 ? r.interpolated / total : 0;
  if (fraction > maxInterp) {
    return {
      ok: false,
      reason: `${(100 * fraction).toFixed(1)}% of the count would be interpolated across target buckets (limit ${(100 * maxInterp).toFixed(1)}%)`,
    };
  }
  const h: ExplicitHistogram = { boundaries: [...target], counts: r.counts, count: total, sum: source.sum };
  const withMin = source.min !== undefined ? { ...h, min: source.min } : h;
  return {
    ok: true,
    histogram: source.max !== undefined ? { ...withMin, max: source.max } : withMin,
    interpolatedFraction: fraction,
  };
}

/**
 * The piece for a bucket [lo, hi] clamped to the data's known [min, max]. An
 * end that stays infinite (open bucket, min/max unknown) can still be placed
 * when the whole bucket lies within one target bucket; it then becomes a point
 * mass at that infinite end. Otherwise the reason for refusing is returned.
 */
function makePiece(
  lo: number,
  hi: number,
  count: number,
  min: number | undefined,
  max: number | undefined,
  target: readonly number[],
): Piece | string {
  let a = min !== undefined && min > lo ? min : lo;
  const b = max !== undefined && max < hi ? max : hi;
  if (a > b) a = b; // min/max inconsistent with the bucket: keep the mass inside it, at its edge
  if (a === -Infinity || b === Infinity) {
    const sameBucket =
      target.length === 0 ||
      (a === -Infinity ? b !== Infinity && bucketIndex(target, b) === 0 : a >= target[target.length - 1]!);
    if (!sameBucket) {
      return `an open end bucket holds ${count} observations and straddles target edges, but the histogram's ${a === -Infinity ? 'min' : 'max'} is unknown`;
    }
    const at = a === -Infinity ? -Infinity : Infinity;
    return { lo: at, hi: at, count };
  }
  return { lo: a, hi: b, count };
}

/**
 * Re-bins an explicit histogram onto `targetBoundaries` assuming a uniform
 * density within each source bucket (linear interpolation of the CDF). The open
 * end buckets are bounded by the histogram's min and max; when those are
 * unknown and an open bucket with a non-zero count straddles a target edge,
 * or when the interpolation would be too lossy (see {@link RebinOptions}),
 * the result is a refusal with the reason. Source edges that coincide with
 * target edges move counts exactly. Re-binned counts may be fractional.
 */
export function rebinExplicit(
  h: ExplicitHistogram,
  targetBoundaries: readonly number[],
  opts: RebinOptions = {},
): RebinResult {
  assertValidExplicitHistogram(h);
  checkBoundaries(targetBoundaries, 'target boundaries');
  const b = h.boundaries;
  const n = b.length;
  const pieces: Piece[] = [];
  for (let i = 0; i <= n; i++) {
    const c = h.counts[i]!;
    if (c === 0) continue;
    const piece = makePiece(
      i === 0 ? -Infinity : b[i - 1]!,
      i === n ? Infinity : b[i]!,
      c,
      h.min,
      h.max,
      targetBoundaries,
    );
    if (typeof piece === 'string') return { ok: false, reason: piece };
    pieces.push(piece);
  }
  return finish(h, targetBoundaries, pieces, opts);
}

/**
 * Re-bins an OpenTelemetry base-2 exponential histogram onto explicit
 * `targetBoundaries`. With base = 2^(2^-scale), positive bucket i covers
 * (base^i, base^(i+1)], negative bucket i covers [-base^(i+1), -base^i), and the
 * zero bucket covers [-zeroThreshold, zeroThreshold] (a point mass at 0 when the
 * threshold is 0 or absent). Each bucket's count is spread uniformly over its
 * range, clamped to the histogram's min/max when known, then assigned as in
 * {@link rebinExplicit}, with the same refusals.
 * Reference: OpenTelemetry metrics data model, "ExponentialHistogram".
 */
export function rebinExponential(
  e: ExponentialHistogram,
  targetBoundaries: readonly number[],
  opts: RebinOptions = {},
): RebinResult {
  checkBoundaries(targetBoundaries, 'target boundaries');
  if (!Number.isInteger(e.scale) || e.scale < -10 || e.scale > 20)
    throw new StatisticsInputError(`exponential histogram: scale ${e.scale} is outside [-10, 20]`);
  const factor = Math.pow(2, -e.scale);
  const bound = (i: number): number => Math.pow(2, i * factor);
  const pieces: Piece[] = [];
  let total = 0;
  const add = (lo: number, hi: number, c: number, what: string): string | undefined => {
    if (!Number.isFinite(c) || c < 0)
      throw new StatisticsInputError(`exponential histogram: ${what} count is negative or not finite (${c})`);
    if (c === 0) return undefined;
    total += c;
    const piece = makePiece(lo, hi, c, e.min, e.max, targetBoundaries);
    if (typeof piece === 'string') return piece;
    pieces.push(piece);
    return undefined;
  };
  const zt = e.zeroThreshold ?? 0;
  let refusal = add(-zt, zt, e.zeroCount, 'zero bucket');
  e.positive.bucketCounts.forEach((c, k) => {
    const i = e.positive.offset + k;
    refusal ??= add(bound(i), bound(i + 1), c, `positive bucket ${i}`);
  });
  e.negative.bucketCounts.forEach((c, k) => {
    const i = e.negative.offset + k;
    refusal ??= add(-bound(i + 1), -bound(i), c, `negative bucket ${i}`);
  });
  if (refusal !== undefined) return { ok: false, reason: refusal };
  if (Math.abs(total - e.count) > 1e-9 * Math.max(1, total)) {
    throw new StatisticsInputError(`exponential histogram: bucket counts add up to ${total} but count is ${e.count}`);
  }
  return finish(e, targetBoundaries, pieces, opts);
}
