import type { ExplicitHistogram } from '@otel-ml/conventions';
import { checkSameBoundaries } from './same-boundaries.js';

/**
 * The histogram's CDF as non-overlapping pieces of uniform density, in increasing order. Two
 * module-level instances are reused by every call (evaluation runs it for each feature of each
 * window; nothing here calls out, so no call can interleave with another).
 */
class PiecewiseCdf {
  /** Number of pieces (the arrays below may be longer). */
  pieces = 0;
  lo = new Float64Array(64);
  hi = new Float64Array(64);
  /** Cumulative proportion before piece k (pieces + 1 entries used). */
  cum = new Float64Array(65);

  reserve(pieces: number): void {
    if (this.lo.length >= pieces) return;
    this.lo = new Float64Array(pieces);
    this.hi = new Float64Array(pieces);
    this.cum = new Float64Array(pieces + 1);
  }
}

const REF_CDF = new PiecewiseCdf();
const CUR_CDF = new PiecewiseCdf();
let breakpointBuffer = new Float64Array(256);

/** How far an open end bucket extends beyond its boundary (see `piecewise`). */
function extent(end: number, neighbour: number, width: number, bound: number | undefined): number {
  const e = neighbour > 0 ? (width * end) / neighbour : Infinity;
  if (bound !== undefined) return Math.min(e, bound);
  return Number.isFinite(e) ? e : width;
}

/**
 * Bucket ranges: interior bucket i is [b[i-1], b[i]]. An open end bucket
 * continues the density of its neighbour: with c_e observations in the end
 * bucket and c_n in the adjacent bucket of width w, it extends w c_e / c_n
 * beyond the boundary, but never past the histogram's min (max). Without a
 * neighbour count it reaches min (max); without those either, it is given the
 * neighbour's width (a point mass at the boundary when there is no neighbour).
 * Continuing the density keeps a single extreme value from stretching the
 * whole end bucket (uniform spreading to min/max overstated W1 several-fold
 * for heavy tails), while mass that moves into the tail still moves outwards.
 */
function piecewise(h: ExplicitHistogram, out: PiecewiseCdf): PiecewiseCdf {
  const b = h.boundaries;
  const n = b.length;
  out.reserve(n + 1);
  const { lo, hi, cum } = out;
  cum[0] = 0;
  let k = 0;
  for (let i = 0; i <= n; i++) {
    const c = h.counts[i]!;
    if (c === 0) continue;
    let a: number;
    let z: number;
    if (n === 0) {
      a = h.min ?? h.max ?? 0;
      z = h.max ?? a;
    } else if (n === 1) {
      a = i === 0 ? (h.min ?? b[0]!) : b[0]!;
      z = i === 0 ? b[0]! : (h.max ?? b[0]!);
    } else {
      a = i === 0 ? b[0]! - extent(c, h.counts[1]!, b[1]! - b[0]!, h.min === undefined ? undefined : b[0]! - h.min) : b[i - 1]!;
      z = i === n ? b[n - 1]! + extent(c, h.counts[n - 1]!, b[n - 1]! - b[n - 2]!, h.max === undefined ? undefined : h.max - b[n - 1]!) : b[i]!;
    }
    if (h.min !== undefined && h.min > a) a = h.min;
    if (h.max !== undefined && h.max < z) z = h.max;
    if (a > z) a = z;
    lo[k] = a;
    hi[k] = z;
    cum[k + 1] = cum[k]! + c / h.count;
    k++;
  }
  out.pieces = k;
  return out;
}

/** The last piece k with lo[k] < x (-1 when none), by bisection. */
function pieceBefore(f: PiecewiseCdf, x: number): number {
  let l = 0;
  let r = f.pieces;
  while (l < r) {
    const mid = (l + r) >>> 1;
    if (f.lo[mid]! < x) l = mid + 1;
    else r = mid;
  }
  return l - 1;
}

/** F(x) at a point x that is not a piece end, given k = pieceBefore(f, x). */
function valueAt(f: PiecewiseCdf, k: number, x: number): number {
  if (k < 0) return 0;
  const lo = f.lo[k]!;
  const hi = f.hi[k]!;
  if (x >= hi) return f.cum[k + 1]!;
  return f.cum[k]! + slopeAt(f, k, x) * (x - lo);
}

/** dF/dx at a point x that is not a piece end, given k = pieceBefore(f, x). */
function slopeAt(f: PiecewiseCdf, k: number, x: number): number {
  if (k < 0) return 0;
  const lo = f.lo[k]!;
  const hi = f.hi[k]!;
  if (x >= hi) return 0;
  const share = f.cum[k + 1]! - f.cum[k]!;
  return share / (hi - lo);
}

/** Insertion-sorts the first `n` values of `src` into the sorted pts[0, len); returns the new length. */
function insertRun(pts: Float64Array, len: number, src: Float64Array, n: number): number {
  for (let k = 0; k < n; k++) {
    const x = src[k]!;
    let j = len++;
    while (j > 0 && pts[j - 1]! > x) {
      pts[j] = pts[j - 1]!;
      j--;
    }
    pts[j] = x;
  }
  return len;
}

/** Writes lo[0], hi[0], lo[1], hi[1], ... at out[off...]; true when that sequence is non-decreasing. */
function interleave(f: PiecewiseCdf, out: Float64Array, off: number): boolean {
  let sorted = true;
  let prev = -Infinity;
  for (let k = 0; k < f.pieces; k++) {
    const a = f.lo[k]!;
    const z = f.hi[k]!;
    if (prev > a || a > z) sorted = false;
    out[off + 2 * k] = a;
    out[off + 2 * k + 1] = z;
    prev = z;
  }
  return sorted;
}

/**
 * The piece ends of both CDFs, sorted ascending, each value once, in the shared buffer (count in
 * the return). The ends of one CDF are normally already in order (lo[0] <= hi[0] <= lo[1] ...),
 * and then the two sequences are merged; otherwise all ends are insertion-sorted.
 */
function breakpoints(f: PiecewiseCdf, g: PiecewiseCdf): number {
  const nf = 2 * f.pieces;
  const ng = 2 * g.pieces;
  const total = nf + ng;
  if (breakpointBuffer.length < 2 * total) breakpointBuffer = new Float64Array(2 * total);
  const pts = breakpointBuffer;
  // pts[total, total + nf): ends of f; pts[total + nf, 2 total): ends of g; result in pts[0, total)
  const sortedF = interleave(f, pts, total);
  const sortedG = interleave(g, pts, total + nf);
  if (sortedF && sortedG) {
    let i = total;
    let j = total + nf;
    const iEnd = total + nf;
    const jEnd = 2 * total;
    let o = 0;
    while (i < iEnd && j < jEnd) pts[o++] = pts[i]! <= pts[j]! ? pts[i++]! : pts[j++]!;
    while (i < iEnd) pts[o++] = pts[i++]!;
    while (j < jEnd) pts[o++] = pts[j++]!;
  } else {
    insertRun(pts, 0, pts.subarray(total, 2 * total), total);
  }
  let count = 0;
  for (let i = 0; i < total; i++) {
    // -0 and 0 are one point (as in a Set); both behave the same in the sums below
    if (count === 0 || pts[i]! !== pts[count - 1]!) pts[count++] = pts[i]!;
  }
  return count;
}

/**
 * Wasserstein-1 (earth mover's) distance between the reference and current
 * distributions, in the feature's units, from two histograms on the same
 * boundaries:
 *
 *   W1 = integral |F_ref(x) - F_cur(x)| dx
 *
 * with each CDF interpolated linearly inside its buckets (uniform density per
 * bucket); the open end buckets continue their neighbour's density, bounded by
 * the histogram's min and max (see `piecewise`). Between consecutive bucket
 * ends of either histogram both CDFs are linear, so the integral is exact for
 * the interpolated CDFs (trapezoids, split where the difference changes sign).
 * Raw-data equivalent: scipy.stats.wasserstein_distance(u, v).
 * Reference: Villani (2009), "Optimal Transport", remark 6.6 (W1 on the line
 * is the L1 distance of the CDFs); Ramdas, Garcia & Cuturi (2017), Entropy 19(2).
 */
export function wassersteinDistance(ref: ExplicitHistogram, cur: ExplicitHistogram): number {
  checkSameBoundaries(ref, cur);
  const f = piecewise(ref, REF_CDF);
  const g = piecewise(cur, CUR_CDF);
  const count = breakpoints(f, g);
  const pts = breakpointBuffer;
  let total = 0;
  for (let i = 0; i + 1 < count; i++) {
    const x0 = pts[i]!;
    const x1 = pts[i + 1]!;
    const xm = (x0 + x1) / 2;
    const kf = pieceBefore(f, xm);
    const kg = pieceBefore(g, xm);
    const dm = valueAt(f, kf, xm) - valueAt(g, kg, xm);
    const ds = slopeAt(f, kf, xm) - slopeAt(g, kg, xm);
    const d0 = dm - ds * (xm - x0);
    const d1 = dm + ds * (x1 - xm);
    const w = x1 - x0;
    if (d0 * d1 >= 0) total += ((Math.abs(d0) + Math.abs(d1)) / 2) * w;
    else total += ((d0 * d0 + d1 * d1) / (2 * (Math.abs(d0) + Math.abs(d1)))) * w;
  }
  return total;
}
