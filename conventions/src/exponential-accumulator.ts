/**
 * A mutable base-2 exponential histogram for the hot paths: the instrumentation records one value
 * at a time ({@link ExponentialAccumulator.record}), the processor adds whole histograms
 * ({@link ExponentialAccumulator.add}), the baseline builder does both. The bucket rules are
 * those of `exponential.ts` (the specification's): the scale starts at `maxScale` and is lowered
 * by the smallest step that lets each sign's occupied index range fit `maxBuckets`; lowering by k
 * merges 2^k neighbouring buckets (index i becomes i >> k), so a histogram never loses counts,
 * only resolution.
 *
 * Each sign keeps its counts in a Float64Array of `maxBuckets` slots holding the bucket indices
 * [base, base + maxBuckets); the occupied range [lo, hi] moves inside it without allocation, and
 * the window is re-centred (one copy) only when a new index falls outside it.
 *
 * The fast index path ({@link fastExponentialIndex}) reads the float's exponent bits and, up to
 * scale {@link TABLE_MAX_SCALE}, finds the bucket inside the octave with a table on the top
 * mantissa bits and one comparison with the bucket's lower bound; values within a rounding error
 * of a bucket boundary, subnormals and higher scales go to `exponentialIndex`, so both always give
 * the same index.
 */
import {
  EXPONENTIAL_MAX_SCALE,
  EXPONENTIAL_MIN_SCALE,
  exponentialIndex,
  type ExponentialHistogramLike,
} from './exponential.js';
import type { ExponentialHistogram } from './histogram.js';

/** Highest scale at which the fast index path uses a lookup table (2^(scale+2) entries). */
export const TABLE_MAX_SCALE = 12;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high and low 32-bit words of a float64 in `u32` (platform byte order). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/**
 * Mantissa distance (in units of 2^-52) from a bucket boundary within which the table's answer
 * is not trusted: log2 (what `exponentialIndex` uses) is within one ulp, i.e. an index error of
 * at most 2^(scale - 42) buckets, far below 2^24 units (a relative 4e-9) at the table's scales.
 */
const MARGIN = 2 ** 24;

interface ScaleTable {
  /** Cell k (the top scale+2 mantissa bits) -> the highest j with bound[j] <= the cell's start. */
  readonly cells: Int32Array;
  /** bound[j] = (2^(j/2^scale) - 1) * 2^52 (the mantissa bits of the lower bound of sub-bucket j); bound[2^scale] = 2^52. */
  readonly bounds: Float64Array;
}

const tables: (ScaleTable | undefined)[] = [];

function tableFor(scale: number): ScaleTable {
  let t = tables[scale];
  if (t !== undefined) return t;
  const n = 2 ** scale;
  const bounds = new Float64Array(n + 1);
  for (let j = 0; j <= n; j++) bounds[j] = j === n ? 2 ** 52 : (2 ** (j / n) - 1) * 2 ** 52;
  const shift = scale + 2;
  const cells = new Int32Array(2 ** shift);
  let j = 0;
  for (let k = 0; k < cells.length; k++) {
    const start = k * 2 ** (52 - shift);
    while (j + 1 < n && bounds[j + 1]! <= start) j++;
    cells[k] = j;
  }
  t = { cells, bounds };
  tables[scale] = t;
  return t;
}

/**
 * `exponentialIndex(v, scale)` for a positive finite `v`, faster (see the module doc); always the
 * same result.
 */
export function fastExponentialIndex(v: number, scale: number): number {
  f64[0] = v;
  const hi = u32[HI]!;
  const biased = (hi >>> 20) & 0x7ff;
  if (biased === 0 || scale > TABLE_MAX_SCALE) return exponentialIndex(v, scale);
  const e = biased - 1023;
  const mantHi = hi & 0xfffff;
  const lo = u32[LO]!;
  if (scale <= 0) return (mantHi === 0 && lo === 0 ? e - 1 : e) >> -scale;
  if (mantHi === 0 && lo === 0) return (e << scale) - 1;
  const t = tables[scale] ?? tableFor(scale);
  // m: the 52 mantissa bits as an exact integer; the cell is its top scale+2 bits
  const m = mantHi * 4294967296 + lo;
  let j = t.cells[mantHi >>> (18 - scale)]!;
  const b = t.bounds;
  if (m > b[j + 1]!) j++;
  // v lies in (lower bound of j, lower bound of j+1]; trust it unless within a rounding error of either
  if (m - b[j]! <= MARGIN || b[j + 1]! - m <= MARGIN) return exponentialIndex(v, scale);
  return (e << scale) + j;
}

/** The counts of one sign: bucket index `base + k` in `counts[k]`; occupied range [lo, hi] (empty when lo > hi). */
class SideBuckets {
  readonly counts: Float64Array;
  base = 0;
  lo = 0;
  hi = -1;
  constructor(capacity: number) {
    this.counts = new Float64Array(capacity);
  }
  get empty(): boolean {
    return this.lo > this.hi;
  }
  /** Places the occupied range [lo, hi] (span <= capacity) in the window, moving the counts if needed. */
  place(lo: number, hi: number): void {
    const cap = this.counts.length;
    if (this.empty) {
      this.base = lo - ((cap - (hi - lo + 1)) >> 1);
    } else if (lo < this.base || hi >= this.base + cap) {
      const old = this.counts.slice(this.lo - this.base, this.hi - this.base + 1);
      // centre the new range so that growth on either side is amortised
      this.base = lo - ((cap - (hi - lo + 1)) >> 1);
      this.counts.fill(0);
      this.counts.set(old, this.lo - this.base);
    }
    this.lo = lo;
    this.hi = hi;
  }
  /** Merges 2^by neighbouring buckets (index i -> i >> by). */
  downscale(by: number): void {
    if (this.empty || by === 0) return;
    const lo = this.lo >> by;
    const hi = this.hi >> by;
    const old = this.counts.slice(this.lo - this.base, this.hi - this.base + 1);
    const from = this.lo;
    this.counts.fill(0);
    const cap = this.counts.length;
    this.base = lo - ((cap - (hi - lo + 1)) >> 1);
    for (let k = 0; k < old.length; k++) {
      const c = old[k]!;
      if (c !== 0) this.counts[((from + k) >> by) - this.base] += c;
    }
    this.lo = lo;
    this.hi = hi;
  }
  /** Moves every bucket whose upper bound is at most `threshold` out, returning their total. */
  drainBelow(threshold: number, scale: number): number {
    let moved = 0;
    while (!this.empty && upperBound(this.lo, scale) <= threshold) {
      moved += this.counts[this.lo - this.base]!;
      this.counts[this.lo - this.base] = 0;
      this.lo++;
      while (!this.empty && this.counts[this.lo - this.base] === 0) this.lo++;
    }
    return moved;
  }
  view(): { offset: number; bucketCounts: Float64Array } {
    if (this.empty) return { offset: 0, bucketCounts: this.counts.subarray(0, 0) };
    return { offset: this.lo, bucketCounts: this.counts.subarray(this.lo - this.base, this.hi - this.base + 1) };
  }
  copyOut(): { offset: number; bucketCounts: number[] } {
    if (this.empty) return { offset: 0, bucketCounts: [] };
    return {
      offset: this.lo,
      bucketCounts: Array.from(this.counts.subarray(this.lo - this.base, this.hi - this.base + 1)),
    };
  }
}

function upperBound(index: number, scale: number): number {
  return 2 ** ((index + 1) * 2 ** -scale);
}

/** Index range [first, last] of the non-zero counts of `b` shifted right by `by`, or undefined. */
function shiftedRange(
  b: { readonly offset: number; readonly bucketCounts: ArrayLike<number> },
  by: number,
): [number, number] | undefined {
  const c = b.bucketCounts;
  let first = 0;
  while (first < c.length && c[first] === 0) first++;
  if (first === c.length) return undefined;
  let last = c.length - 1;
  while (c[last] === 0) last--;
  return [(b.offset + first) >> by, (b.offset + last) >> by];
}

export class ExponentialAccumulator {
  /** Current scale (only ever lowered). */
  scale: number;
  readonly maxBuckets: number;
  /** Values with |v| <= zeroThreshold count in the zero bucket (0 unless a merged histogram had a wider one). */
  zeroThreshold = 0;
  zeroCount = 0;
  count = 0;
  /** NaN once an added histogram had an unknown sum. */
  sum = 0;
  /** Infinity while empty; NaN once unknown (an added histogram without min). */
  min = Infinity;
  /** -Infinity while empty; NaN once unknown. */
  max = -Infinity;
  private readonly pos: SideBuckets;
  private readonly neg: SideBuckets;

  /**
   * `maxBuckets`: buckets per sign (at least 2). `maxScale`: the starting scale (default
   * {@link EXPONENTIAL_MAX_SCALE}, the highest the specification allows).
   */
  constructor(maxBuckets: number, maxScale: number = EXPONENTIAL_MAX_SCALE) {
    if (!Number.isInteger(maxBuckets) || maxBuckets < 2)
      throw new RangeError(`maxBuckets must be an integer >= 2, got ${maxBuckets}`);
    if (!Number.isInteger(maxScale) || maxScale < EXPONENTIAL_MIN_SCALE || maxScale > EXPONENTIAL_MAX_SCALE) {
      throw new RangeError(
        `maxScale must be an integer in [${EXPONENTIAL_MIN_SCALE}, ${EXPONENTIAL_MAX_SCALE}], got ${maxScale}`,
      );
    }
    this.maxBuckets = maxBuckets;
    this.scale = maxScale;
    // At the lowest scale one sign can still span 3 indices (subnormals to the largest floats).
    this.pos = new SideBuckets(Math.max(maxBuckets, 3));
    this.neg = new SideBuckets(Math.max(maxBuckets, 3));
  }

  /** Records one finite value (callers check finiteness). */
  record(v: number): void {
    this.count += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v > this.zeroThreshold) this.put(this.pos, fastExponentialIndex(v, this.scale), 1);
    else if (v < -this.zeroThreshold) this.put(this.neg, fastExponentialIndex(-v, this.scale), 1);
    else this.zeroCount += 1;
  }

  private put(side: SideBuckets, index: number, n: number): void {
    if (index >= side.lo && index <= side.hi) {
      side.counts[index - side.base] += n;
      return;
    }
    let lo = side.empty ? index : Math.min(side.lo, index);
    let hi = side.empty ? index : Math.max(side.hi, index);
    const by = this.stepsToFit(lo, hi, 0);
    if (by > 0) {
      this.downscale(by);
      index >>= by;
      lo >>= by;
      hi >>= by;
    }
    if (lo !== side.lo || hi !== side.hi) side.place(lo, hi);
    side.counts[index - side.base] += n;
  }

  /** Smallest k >= 0 such that [lo >> (shift + k), hi >> (shift + k)] fits, within the scale range. */
  private stepsToFit(lo: number, hi: number, shift: number): number {
    let k = 0;
    while (
      this.scale - shift - k > EXPONENTIAL_MIN_SCALE &&
      (hi >> (shift + k)) - (lo >> (shift + k)) + 1 > this.maxBuckets
    )
      k++;
    return k;
  }

  /** Lowers the scale by `by` steps (merging 2^by neighbouring buckets). */
  downscale(by: number): void {
    if (by <= 0) return;
    this.pos.downscale(by);
    this.neg.downscale(by);
    this.scale -= by;
  }

  /**
   * Adds a histogram: both are brought to the lower of the two scales, then lowered further until
   * each sign's combined range fits `maxBuckets`. A wider zero threshold on either side becomes
   * the threshold of the result, and buckets wholly inside it move to the zero count. Sum, min
   * and max stay known only while every non-empty added histogram had them.
   */
  add(h: ExponentialHistogramLike): void {
    if (!Number.isInteger(h.scale) || h.scale < EXPONENTIAL_MIN_SCALE || h.scale > EXPONENTIAL_MAX_SCALE)
      throw new RangeError(
        `exponential histogram scale ${h.scale} is outside [${EXPONENTIAL_MIN_SCALE}, ${EXPONENTIAL_MAX_SCALE}]`,
      );
    const zt = h.zeroThreshold ?? 0;
    if (zt > this.zeroThreshold) {
      this.zeroThreshold = zt;
      this.zeroCount += this.pos.drainBelow(zt, this.scale) + this.neg.drainBelow(zt, this.scale);
    }
    const target = Math.min(this.scale, h.scale);
    const ownShift = this.scale - target;
    const inShift = h.scale - target;
    // k further steps so that both signs fit: own range and incoming range, both at target - k
    const k = Math.max(
      this.stepsToMerge(this.pos, h.positive, ownShift, inShift, target),
      this.stepsToMerge(this.neg, h.negative, ownShift, inShift, target),
    );
    this.downscale(ownShift + k);
    let zero = h.zeroCount;
    zero += this.addSide(this.pos, h.positive, h.scale);
    zero += this.addSide(this.neg, h.negative, h.scale);
    this.zeroCount += zero;
    const wasEmpty = this.count === 0;
    this.count += h.count;
    this.sum += h.sum;
    if (h.count > 0) {
      if (wasEmpty) {
        this.min = h.min ?? Number.NaN;
        this.max = h.max ?? Number.NaN;
      } else {
        this.min = h.min === undefined ? Number.NaN : Math.min(this.min, h.min);
        this.max = h.max === undefined ? Number.NaN : Math.max(this.max, h.max);
      }
    }
  }

  /** Steps below `target` at which one sign's own range (at this.scale) and incoming range (at target + inShift) fit together. */
  private stepsToMerge(
    side: SideBuckets,
    b: { readonly offset: number; readonly bucketCounts: ArrayLike<number> },
    ownShift: number,
    inShift: number,
    target: number,
  ): number {
    const inc = shiftedRange(b, inShift);
    if (inc === undefined && side.empty) return 0;
    let k = 0;
    for (;;) {
      const s = ownShift + k;
      const lo = Math.min(side.empty ? Infinity : side.lo >> s, inc === undefined ? Infinity : inc[0] >> k);
      const hi = Math.max(side.empty ? -Infinity : side.hi >> s, inc === undefined ? -Infinity : inc[1] >> k);
      if (hi - lo + 1 <= this.maxBuckets || target - k <= EXPONENTIAL_MIN_SCALE) return k;
      k++;
    }
  }

  /**
   * Adds one sign's buckets (at `fromScale`, >= this.scale, already known to fit); returns the
   * count that fell into the zero bucket.
   */
  private addSide(
    side: SideBuckets,
    b: { readonly offset: number; readonly bucketCounts: ArrayLike<number> },
    fromScale: number,
  ): number {
    const by = fromScale - this.scale;
    const c = b.bucketCounts;
    if (this.zeroThreshold > 0) {
      // bucket by bucket: those inside the zero threshold go to the zero count
      let zero = 0;
      for (let i = 0; i < c.length; i++) {
        const n = c[i]!;
        if (n === 0) continue;
        if (upperBound(b.offset + i, fromScale) <= this.zeroThreshold) zero += n;
        else this.put(side, (b.offset + i) >> by, n);
      }
      return zero;
    }
    let first = 0;
    while (first < c.length && c[first] === 0) first++;
    if (first === c.length) return 0;
    let last = c.length - 1;
    while (c[last] === 0) last--;
    const off = b.offset;
    const lo = side.empty ? (off + first) >> by : Math.min(side.lo, (off + first) >> by);
    const hi = side.empty ? (off + last) >> by : Math.max(side.hi, (off + last) >> by);
    if (lo !== side.lo || hi !== side.hi) side.place(lo, hi);
    const counts = side.counts;
    const base = side.base;
    if (by === 0) for (let i = first; i <= last; i++) counts[off + i - base] += c[i]!;
    else for (let i = first; i <= last; i++) counts[((off + i) >> by) - base] += c[i]!;
    return 0;
  }

  /** The histogram as plain data (occupied buckets only; min/max when known). */
  histogram(): ExponentialHistogram {
    const known = this.count > 0;
    return {
      scale: this.scale,
      zeroCount: this.zeroCount,
      zeroThreshold: this.zeroThreshold,
      positive: this.pos.copyOut(),
      negative: this.neg.copyOut(),
      count: this.count,
      sum: this.sum,
      ...(known && !Number.isNaN(this.min) ? { min: this.min } : {}),
      ...(known && !Number.isNaN(this.max) ? { max: this.max } : {}),
    };
  }

  /**
   * The occupied buckets of each sign as views of the accumulator's own arrays (no copy): valid
   * until the next change. For encoders.
   */
  bucketViews(): {
    positive: { offset: number; bucketCounts: Float64Array };
    negative: { offset: number; bucketCounts: Float64Array };
  } {
    return { positive: this.pos.view(), negative: this.neg.view() };
  }

  /** Buckets occupied on each sign (for tests and size estimates). */
  bucketSpans(): { positive: number; negative: number } {
    return {
      positive: this.pos.empty ? 0 : this.pos.hi - this.pos.lo + 1,
      negative: this.neg.empty ? 0 : this.neg.hi - this.neg.lo + 1,
    };
  }
}
