/**
 * Values outside a reference's observed range [min, max], counted from a histogram's buckets.
 *
 * A bucket (l, u] holds values v with l < v <= u. Its values are surely below min when u < min and
 * possibly when l < min; surely above max when l >= max and possibly when u > max. The window's own
 * min and max (when known) sharpen both: nothing is below min when the window's min >= min, and
 * at least one value is when it is < min (likewise above). So the count outside is known within
 * [atLeast, atMost]; the two are equal when no bucket straddles an edge of the range. A reference
 * without min and max has a range known only to its outermost non-empty buckets ({@link rangeOf}):
 * "surely" then means beyond the farthest the edge can be, "possibly" beyond the nearest.
 *
 * The verdict (`outOfRangeTest`) compares the share outside with what a new sample of the reference
 * itself shows: for N reference values from a continuous distribution, a new value falls outside
 * their range with probability 2 / (N + 1) (the order statistics split the line into N + 1
 * equally likely gaps; David & Nagaraja 2003, "Order Statistics", 2.5). The rise is tested as
 * change-test.ts's riseTest against "2 of N + 1": `spike` when even `atLeast` values flag, no
 * spike when even `atMost` values do not, else `insufficient_resolution` (buckets too coarse at the
 * range's edges to tell).
 */
import type { ExplicitHistogram, ExponentialHistogram } from '@otel-ml/conventions';
import { exponentialLowerBound } from '@otel-ml/conventions';
import { insufficient, resolveLimits, riseTest, type ChangeTest, type VerdictLimits } from './change-test.js';

/** Values in (lower, upper] (lower may be -Infinity, upper Infinity). */
export interface Bucket {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
}

export interface OutOfRangeCount {
  readonly below: readonly [atLeast: number, atMost: number];
  readonly above: readonly [atLeast: number, atMost: number];
  /** Values counted (all buckets). */
  readonly total: number;
}

/** Buckets of an explicit histogram. */
export function explicitBuckets(h: ExplicitHistogram): Bucket[] {
  const b = h.boundaries;
  return h.counts.map((count, i) => ({
    lower: i === 0 ? -Infinity : b[i - 1]!,
    upper: i === b.length ? Infinity : b[i]!,
    count,
  }));
}

/** Buckets of a base-2 exponential histogram (zero bucket [-t, t] as (-t - eps, t]). */
export function exponentialBuckets(h: ExponentialHistogram): Bucket[] {
  const out: Bucket[] = [];
  const t = h.zeroThreshold ?? 0;
  h.negative.bucketCounts.forEach((count, k) => {
    const i = h.negative.offset + k;
    // negative bucket i holds -b^(i+1) <= v < -b^i: as (lower, upper], lower just below -b^(i+1)
    out.push({
      lower: -exponentialLowerBound(i + 1, h.scale) * (1 + 1e-15),
      upper: -exponentialLowerBound(i, h.scale),
      count,
    });
  });
  if (h.zeroCount > 0) out.push({ lower: -t - Number.EPSILON, upper: t, count: h.zeroCount });
  h.positive.bucketCounts.forEach((count, k) => {
    const i = h.positive.offset + k;
    out.push({ lower: exponentialLowerBound(i, h.scale), upper: exponentialLowerBound(i + 1, h.scale), count });
  });
  return out.sort((a, b) => a.lower - b.lower);
}

/**
 * The reference's observed range: its min and max when known, else the edges of its outermost
 * non-empty buckets (the min lies in (minLow, minHigh], the max in (maxLow, maxHigh]).
 */
export interface RangeBounds {
  readonly minLow: number;
  readonly minHigh: number;
  readonly maxLow: number;
  readonly maxHigh: number;
  /** min and max are known exactly. */
  readonly exact: boolean;
}

/**
 * Buckets read by index, in order of their lower edges: an array of {@link Bucket}, or an explicit
 * histogram's counts and boundaries read in place ({@link explicitBucketList}), so the evaluation
 * does not build a bucket object per count for every feature of every window.
 */
export interface BucketList {
  readonly length: number;
  lower(i: number): number;
  upper(i: number): number;
  count(i: number): number;
}

// (classes rather than object literals of closures: no closures allocated per histogram and pass)
class ArrayList implements BucketList {
  readonly length: number;
  constructor(private readonly b: readonly Bucket[]) {
    this.length = b.length;
  }
  lower(i: number): number {
    return this.b[i]!.lower;
  }
  upper(i: number): number {
    return this.b[i]!.upper;
  }
  count(i: number): number {
    return this.b[i]!.count;
  }
}

class ExplicitList implements BucketList {
  readonly length: number;
  constructor(
    private readonly b: readonly number[],
    private readonly counts: readonly number[],
  ) {
    this.length = counts.length;
  }
  lower(i: number): number {
    return i === 0 ? -Infinity : this.b[i - 1]!;
  }
  upper(i: number): number {
    return i === this.b.length ? Infinity : this.b[i]!;
  }
  count(i: number): number {
    return this.counts[i]!;
  }
}

/**
 * The buckets of an explicit histogram as {@link explicitBuckets} gives them, without building
 * them; null when they would not be in order of their lower edges (the caller then sorts
 * explicitBuckets' array) or the counts are not one more than the boundaries.
 */
export function explicitBucketList(h: ExplicitHistogram): BucketList | null {
  const b = h.boundaries;
  const counts = h.counts;
  if (counts.length !== b.length + 1) return null;
  // lower edges -Infinity, b[0], b[1], ...: in order as a stable sort by `a.lower - b.lower` leaves them
  for (let i = 1; i < counts.length; i++) {
    const prev = i === 1 ? -Infinity : b[i - 2]!;
    if (!(prev - b[i - 1]! <= 0)) return null;
  }
  return new ExplicitList(b, counts);
}

const asList = (b: readonly Bucket[] | BucketList): BucketList =>
  Array.isArray(b) ? new ArrayList(b as readonly Bucket[]) : (b as BucketList);

/** The observed range of a reference's buckets (null when they hold no value). */
export function rangeOf(
  buckets: readonly Bucket[] | BucketList,
  observed: { readonly min?: number; readonly max?: number } = {},
): RangeBounds | null {
  const l = asList(buckets);
  let first = -1;
  let last = -1;
  for (let i = 0; i < l.length; i++) {
    if (!(l.count(i) > 0)) continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) return null;
  const [minLow, minHigh] =
    observed.min !== undefined ? [observed.min, observed.min] : [l.lower(first), l.upper(first)];
  const [maxLow, maxHigh] = observed.max !== undefined ? [observed.max, observed.max] : [l.lower(last), l.upper(last)];
  return { minLow, minHigh, maxLow, maxHigh, exact: observed.min !== undefined && observed.max !== undefined };
}

function side(sure: number, maybe: number, none: boolean, some: boolean): [number, number] {
  if (none) return [0, 0];
  return [Math.max(sure, some ? 1 : 0), sure + maybe];
}

/** Values of `buckets` outside the range (see the module comment). */
export function outOfRange(
  buckets: readonly Bucket[] | BucketList,
  range: RangeBounds,
  observed: { readonly min?: number; readonly max?: number } = {},
): OutOfRangeCount {
  const l = asList(buckets);
  let belowSure = 0;
  let belowMaybe = 0;
  let aboveSure = 0;
  let aboveMaybe = 0;
  let total = 0;
  for (let i = 0; i < l.length; i++) {
    const count = l.count(i);
    total += count;
    if (count <= 0) continue;
    const lower = l.lower(i);
    const upper = l.upper(i);
    // the min is above minLow when only its bucket (minLow, minHigh] is known
    if (upper < range.minLow || (range.minLow < range.minHigh && upper <= range.minLow)) belowSure += count;
    else if (lower < range.minHigh) belowMaybe += count;
    if (lower >= range.maxHigh) aboveSure += count;
    else if (upper > range.maxLow) aboveMaybe += count;
  }
  return {
    below: side(
      belowSure,
      belowMaybe,
      observed.min !== undefined && observed.min >= range.minHigh,
      observed.min !== undefined && observed.min < range.minLow,
    ),
    above: side(
      aboveSure,
      aboveMaybe,
      observed.max !== undefined && observed.max <= range.maxLow,
      observed.max !== undefined && observed.max > range.maxHigh,
    ),
    total,
  };
}

/**
 * The out-of-range verdict of a window whose values `count` lie outside the range of
 * `referenceCount` reference values (see the module comment). `current` is the share (at least),
 * `reference` 2 / (N + 1).
 */
export function outOfRangeTest(
  count: OutOfRangeCount,
  referenceCount: number,
  l: Partial<VerdictLimits> = {},
): ChangeTest {
  const o = resolveLimits(l);
  const limit = o.maxOutOfRangeIncrease;
  const reference = { count: 2, total: referenceCount + 1 };
  if (referenceCount < 2) return insufficient(limit, count.total, 'the reference has fewer than 2 values: no range');
  const least = count.below[0] + count.above[0];
  // a bucket that straddles both edges is counted on both sides
  const most = Math.min(count.total, count.below[1] + count.above[1]);
  const low = riseTest({ count: least, total: count.total }, reference, limit, o, 'outside the range', 'values');
  if (low.verdict !== 'no_spike' || least === most) return low;
  const high = riseTest({ count: most, total: count.total }, reference, limit, o, 'outside the range', 'values');
  if (high.verdict === 'no_spike')
    return {
      ...high,
      reasons: [
        ...high.reasons,
        `between ${least} and ${most} values outside the range (buckets straddle its edges): no spike either way`,
      ],
    };
  const share = (n: number) => `${((100 * n) / count.total).toFixed(1)}%`;
  return insufficient(
    limit,
    count.total,
    `between ${least} and ${most} values (${share(least)}-${share(most)}) lie outside the reference's range: the buckets at its edges are too coarse to tell whether they rose beyond the limit`,
    least / count.total,
    reference.count / reference.total,
    'insufficient_resolution',
  );
}
