/**
 * Base-2 exponential histograms: the bucket rules both sides share.
 *
 * OpenTelemetry metrics data model, "ExponentialHistogram": at scale s the base is
 * b = 2^(2^-s); positive bucket i counts values v with b^i < v <= b^(i+1), negative bucket i
 * counts -b^(i+1) <= v < -b^i, and the zero bucket counts |v| <= zeroThreshold. Lowering the
 * scale by k merges 2^k neighbouring buckets: index i becomes i >> k. Two histograms merge by
 * bringing both to the lower of their scales, then lowering further until each range fits the
 * bucket budget.
 *
 * Index rules (the specification's "Producer expectations"): exact powers of two map
 * exactly at every scale (2^e is the upper bound of bucket (e << s) - 1); at scale <= 0 the
 * index is read from the float's exponent, exactly; at scale > 0 it is
 * ceil(log2(v) * 2^s) - 1, which the specification allows to be off by one for values within
 * a rounding error of a bucket boundary. Subnormal values are handled (their exponent is
 * read after scaling by 2^52).
 */
import type { ExplicitHistogram, ExponentialBuckets, ExponentialHistogram } from './histogram.js';

/** An exponential histogram whose bucket counts may be typed arrays (as read from a wire format or a store). */
export interface ExponentialHistogramLike {
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold?: number;
  readonly positive: { readonly offset: number; readonly bucketCounts: ArrayLike<number> };
  readonly negative: { readonly offset: number; readonly bucketCounts: ArrayLike<number> };
  readonly count: number;
  readonly sum: number;
  readonly min?: number;
  readonly max?: number;
}

/** Lowest scale of the OTLP data model (buckets 2^1024 wide: every finite float fits in 2). */
export const EXPONENTIAL_MIN_SCALE = -10;
/** Highest scale this project uses (OpenTelemetry SDKs start there). */
export const EXPONENTIAL_MAX_SCALE = 20;

const view = new DataView(new ArrayBuffer(8));
const TWO_52 = 2 ** 52;

/**
 * The exponent e of a positive finite v written as m * 2^e with m in [1, 2), and whether m is 1
 * (v is an exact power of two).
 */
function frexp(v: number): { exponent: number; powerOfTwo: boolean } {
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  if (biased === 0) {
    // Subnormal: scale into the normal range (exact), then correct the exponent.
    const r = frexp(v * TWO_52);
    return { exponent: r.exponent - 52, powerOfTwo: r.powerOfTwo };
  }
  return { exponent: biased - 1023, powerOfTwo: (hi & 0xfffff) === 0 && lo === 0 };
}

/**
 * Bucket index of the magnitude `v` (> 0, finite) at `scale` (integer in
 * [EXPONENTIAL_MIN_SCALE, EXPONENTIAL_MAX_SCALE]): the i with b^i < v <= b^(i+1).
 */
export function exponentialIndex(v: number, scale: number): number {
  const { exponent, powerOfTwo } = frexp(v);
  if (scale <= 0) return (powerOfTwo ? exponent - 1 : exponent) >> -scale;
  if (powerOfTwo) return (exponent << scale) - 1;
  const i = Math.ceil(Math.log2(v) * 2 ** scale) - 1;
  // log2 of a value just above a power of two may round down to the integer itself: keep the
  // index within the exponent's own range [(e << s), ((e + 1) << s) - 1].
  const lo = exponent << scale;
  const hi = ((exponent + 1) << scale) - 1;
  return i < lo ? lo : i > hi ? hi : i;
}

/** Lower bound b^index of bucket `index` at `scale` (its values are above it). */
export function exponentialLowerBound(index: number, scale: number): number {
  if (scale <= 0) return 2 ** (index * 2 ** -scale);
  const size = 2 ** scale;
  const whole = Math.floor(index / size);
  const frac = index - whole * size;
  return 2 ** whole * (frac === 0 ? 1 : 2 ** (frac / size));
}

/** Buckets of one sign moved to a scale lower by `by` (index i -> i >> by). */
export function downscaleBuckets(
  b: { readonly offset: number; readonly bucketCounts: ArrayLike<number> },
  by: number,
): ExponentialBuckets {
  if (by < 0 || !Number.isInteger(by)) throw new RangeError(`downscale by ${by}: expected a non-negative integer`);
  const counts = b.bucketCounts;
  if (by === 0 || counts.length === 0) return { offset: b.offset, bucketCounts: Array.from(counts) };
  const first = b.offset >> by;
  const last = (b.offset + counts.length - 1) >> by;
  const out = new Array<number>(last - first + 1).fill(0);
  for (let i = 0; i < counts.length; i++) out[((b.offset + i) >> by) - first]! += counts[i]!;
  return { offset: first, bucketCounts: out };
}

/** Index range [low, high] of the non-empty buckets of one sign, or undefined when all are empty. */
function range(b: ExponentialBuckets): [number, number] | undefined {
  let first = -1;
  let last = -1;
  for (let i = 0; i < b.bucketCounts.length; i++) {
    if (b.bucketCounts[i]! > 0) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return first < 0 ? undefined : [b.offset + first, b.offset + last];
}

/**
 * How many scale steps below `scale` the ranges must go so that each sign's buckets fit in
 * `maxBuckets` (at least 0; never below EXPONENTIAL_MIN_SCALE).
 */
export function downscaleNeeded(
  ranges: readonly ([number, number] | undefined)[],
  scale: number,
  maxBuckets: number,
): number {
  if (!(maxBuckets >= 2)) throw new RangeError(`maxBuckets must be at least 2, got ${maxBuckets}`);
  let by = 0;
  for (const r of ranges) {
    if (r === undefined) continue;
    while (scale - by > EXPONENTIAL_MIN_SCALE && (r[1] >> by) - (r[0] >> by) + 1 > maxBuckets) by++;
  }
  return by;
}

/** An empty histogram at `scale` (zero threshold 0). */
export function emptyExponential(scale: number = EXPONENTIAL_MAX_SCALE): ExponentialHistogram {
  return {
    scale,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    count: 0,
    sum: 0,
  };
}

/** `h` at the lower scale `scale` (<= h.scale), empty buckets at both ends trimmed. */
export function exponentialAtScale(h: ExponentialHistogram, scale: number): ExponentialHistogram {
  if (scale > h.scale)
    throw new RangeError(`cannot raise the scale of an exponential histogram (${h.scale} -> ${scale})`);
  const by = h.scale - scale;
  return {
    ...h,
    scale,
    positive: trim(downscaleBuckets(h.positive, by)),
    negative: trim(downscaleBuckets(h.negative, by)),
  };
}

function trim(b: ExponentialBuckets): ExponentialBuckets {
  const r = range(b);
  if (r === undefined) return { offset: 0, bucketCounts: [] };
  return { offset: r[0], bucketCounts: b.bucketCounts.slice(r[0] - b.offset, r[1] - b.offset + 1) };
}

function addBuckets(a: ExponentialBuckets, b: ExponentialBuckets): ExponentialBuckets {
  const ra = range(a);
  const rb = range(b);
  if (ra === undefined) return trim(b);
  if (rb === undefined) return trim(a);
  const lo = Math.min(ra[0], rb[0]);
  const hi = Math.max(ra[1], rb[1]);
  const out = new Array<number>(hi - lo + 1).fill(0);
  for (const x of [a, b])
    for (let i = 0; i < x.bucketCounts.length; i++)
      if (x.bucketCounts[i]! > 0) out[x.offset + i - lo]! += x.bucketCounts[i]!;
  return { offset: lo, bucketCounts: out };
}

function minOf(a: number | undefined, b: number | undefined, aEmpty: boolean, bEmpty: boolean): number | undefined {
  if (aEmpty) return b;
  if (bEmpty) return a;
  return a === undefined || b === undefined ? undefined : Math.min(a, b);
}

function maxOf(a: number | undefined, b: number | undefined, aEmpty: boolean, bEmpty: boolean): number | undefined {
  if (aEmpty) return b;
  if (bEmpty) return a;
  return a === undefined || b === undefined ? undefined : Math.max(a, b);
}

/**
 * The merge of two exponential histograms (the OpenTelemetry merge rule): both at the lower of
 * their scales, then lowered until each sign's combined range fits `maxBuckets` buckets.
 * Counts, zero counts and sums add; min/max are kept when both sides know theirs (an empty side
 * does not count). Both must use the same zero threshold.
 */
export function mergeExponential(
  a: ExponentialHistogram,
  b: ExponentialHistogram,
  maxBuckets: number,
): ExponentialHistogram {
  const za = a.zeroThreshold ?? 0;
  const zb = b.zeroThreshold ?? 0;
  if (za !== zb) throw new RangeError(`cannot merge exponential histograms with zero thresholds ${za} and ${zb}`);
  let scale = Math.min(a.scale, b.scale);
  const pa = downscaleBuckets(a.positive, a.scale - scale);
  const pb = downscaleBuckets(b.positive, b.scale - scale);
  const na = downscaleBuckets(a.negative, a.scale - scale);
  const nb = downscaleBuckets(b.negative, b.scale - scale);
  const join = (x: ExponentialBuckets, y: ExponentialBuckets): [number, number] | undefined => {
    const rx = range(x);
    const ry = range(y);
    if (rx === undefined) return ry;
    if (ry === undefined) return rx;
    return [Math.min(rx[0], ry[0]), Math.max(rx[1], ry[1])];
  };
  const by = downscaleNeeded([join(pa, pb), join(na, nb)], scale, maxBuckets);
  scale -= by;
  const aEmpty = a.count === 0;
  const bEmpty = b.count === 0;
  const min = minOf(a.min, b.min, aEmpty, bEmpty);
  const max = maxOf(a.max, b.max, aEmpty, bEmpty);
  return {
    scale,
    zeroCount: a.zeroCount + b.zeroCount,
    zeroThreshold: za,
    positive: addBuckets(downscaleBuckets(pa, by), downscaleBuckets(pb, by)),
    negative: addBuckets(downscaleBuckets(na, by), downscaleBuckets(nb, by)),
    count: a.count + b.count,
    sum: a.sum + b.sum,
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
  };
}

/**
 * `current - previous` for two cumulative readings of one series (`previous` at a scale >= the
 * current one is first brought to it, so the difference stays exact after the scale was lowered):
 * buckets, zero count, count and sum subtract; min/max are left out (they cover the whole
 * series). Undefined when the current reading is not a continuation of the previous one: a
 * higher scale, another zero threshold, or a count or bucket that decreased (a reset).
 */
export function subtractExponential(
  current: ExponentialHistogramLike,
  previous: ExponentialHistogramLike,
): ExponentialHistogram | undefined {
  if (previous.scale < current.scale || (previous.zeroThreshold ?? 0) !== (current.zeroThreshold ?? 0))
    return undefined;
  if (current.count < previous.count || current.zeroCount < previous.zeroCount) return undefined;
  const by = previous.scale - current.scale;
  const positive = subtractBuckets(
    current.positive,
    by === 0 ? previous.positive : downscaleBuckets(previous.positive, by),
  );
  const negative = subtractBuckets(
    current.negative,
    by === 0 ? previous.negative : downscaleBuckets(previous.negative, by),
  );
  if (positive === undefined || negative === undefined) return undefined;
  return {
    scale: current.scale,
    zeroCount: current.zeroCount - previous.zeroCount,
    zeroThreshold: current.zeroThreshold ?? 0,
    positive,
    negative,
    count: current.count - previous.count,
    sum: current.sum - previous.sum,
  };
}

/** cur - prev bucket by bucket (prev's non-zero buckets must lie in cur's range), or undefined when one goes negative. */
function subtractBuckets(
  cur: { readonly offset: number; readonly bucketCounts: ArrayLike<number> },
  prev: { readonly offset: number; readonly bucketCounts: ArrayLike<number> },
): ExponentialBuckets | undefined {
  const out = Array.from(cur.bucketCounts);
  const p = prev.bucketCounts;
  for (let j = 0; j < p.length; j++) {
    const c = p[j]!;
    if (c === 0) continue;
    const i = prev.offset + j - cur.offset;
    if (i < 0 || i >= out.length || out[i]! < c) return undefined;
    out[i]! -= c;
  }
  return trim({ offset: cur.offset, bucketCounts: out });
}

/**
 * An exponential histogram as an explicit one on its own bucket edges (exact: each bucket of `h`
 * is one explicit bucket, or part of one where empty buckets were skipped): the edges of its
 * non-empty buckets in increasing order; zero-bucket counts go to the bucket ending at 0 (with a
 * zero threshold z > 0, at z). For consumers of explicit histograms only (a Prometheus text
 * exposition, statistics on explicit buckets).
 */
export function explicitFromExponential(h: ExponentialHistogram): ExplicitHistogram {
  const zt = h.zeroThreshold ?? 0;
  const boundaries: number[] = [];
  const counts: number[] = [0];
  /** Closes the current explicit bucket at `x` with `countBelow` more in it (edges already passed only add the count). */
  const edge = (x: number, countBelow: number): void => {
    counts[counts.length - 1]! += countBelow;
    if (boundaries.length > 0 && x <= boundaries[boundaries.length - 1]!) return;
    boundaries.push(x);
    counts.push(0);
  };
  const neg = h.negative;
  const pos = h.positive;
  const any = (b: ExponentialBuckets) => b.bucketCounts.some((c) => c > 0);
  for (let i = neg.bucketCounts.length - 1; i >= 0; i--) {
    const c = neg.bucketCounts[i]!;
    if (c === 0) continue;
    // negative bucket i holds [-b^(i+1), -b^i)
    edge(-exponentialLowerBound(neg.offset + i + 1, h.scale), 0);
    edge(-exponentialLowerBound(neg.offset + i, h.scale), c);
  }
  if (h.zeroCount > 0 || (any(neg) && any(pos))) edge(zt, h.zeroCount);
  for (let i = 0; i < pos.bucketCounts.length; i++) {
    const c = pos.bucketCounts[i]!;
    if (c === 0) continue;
    edge(exponentialLowerBound(pos.offset + i, h.scale), 0);
    edge(exponentialLowerBound(pos.offset + i + 1, h.scale), c);
  }
  const known = h.count > 0;
  return {
    boundaries,
    counts,
    count: h.count,
    sum: h.sum,
    ...(known && h.min !== undefined ? { min: h.min } : {}),
    ...(known && h.max !== undefined ? { max: h.max } : {}),
  };
}

/** Throws a RangeError naming the first broken invariant of an exponential histogram. */
export function assertValidExponentialHistogram(h: ExponentialHistogram, what = 'exponential histogram'): void {
  if (!Number.isInteger(h.scale) || h.scale < EXPONENTIAL_MIN_SCALE || h.scale > EXPONENTIAL_MAX_SCALE) {
    throw new RangeError(`${what}: scale ${h.scale} is outside [${EXPONENTIAL_MIN_SCALE}, ${EXPONENTIAL_MAX_SCALE}]`);
  }
  const zt = h.zeroThreshold ?? 0;
  if (!(zt >= 0) || !Number.isFinite(zt))
    throw new RangeError(`${what}: zero threshold ${zt} is negative or not finite`);
  if (!(h.zeroCount >= 0) || !Number.isFinite(h.zeroCount))
    throw new RangeError(`${what}: zero count ${h.zeroCount} is negative or not finite`);
  let total = h.zeroCount;
  for (const [side, b] of [
    ['positive', h.positive],
    ['negative', h.negative],
  ] as const) {
    if (!Number.isInteger(b.offset)) throw new RangeError(`${what}: ${side} offset ${b.offset} is not an integer`);
    for (let i = 0; i < b.bucketCounts.length; i++) {
      const c = b.bucketCounts[i]!;
      if (!(c >= 0) || !Number.isFinite(c))
        throw new RangeError(`${what}: ${side} bucket ${b.offset + i} count ${c} is negative or not finite`);
      total += c;
    }
  }
  if (Math.abs(total - h.count) > 1e-9 * Math.max(1, total))
    throw new RangeError(`${what}: bucket counts add up to ${total} but count is ${h.count}`);
}
